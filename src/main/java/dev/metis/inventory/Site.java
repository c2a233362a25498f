package dev.metis.inventory;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.metis.net.Ipv4;
import java.util.List;

/**
 * Site-wide settings. {@code domain}, {@code dns}, {@code ntp}, {@code timezone}, {@code k3s_server} and
 * {@code ssh_authorized_keys} are also the first layer of every node's merged config.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Site(
        String name,
        String domain,
        List<Ipv4> dns,
        List<String> ntp,
        String timezone,
        String serverUrl,
        String k3sServer,
        List<String> sshAuthorizedKeys,
        Secrets secrets,
        UnknownMacs unknownMacs,
        ProvisionedNodes provisionedNodes,
        String efiBootFile) {

    /** What proxy-DHCP does for a provisioned node that is not re-armed. */
    public enum ProvisionedNodes {
        /** Answer, so that iPXE fetches a script that exits to the local disk. */
        EXIT,
        /** Do not answer: the firmware times out and moves on to its next boot device. */
        SILENT;

        @com.fasterxml.jackson.annotation.JsonValue
        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public ProvisionedNodes provisionedNodesOrDefault() {
        return provisionedNodes == null ? ProvisionedNodes.EXIT : provisionedNodes;
    }

    /** The iPXE build handed to x86-64 UEFI firmware: {@code ipxe.efi} (own drivers) or {@code snponly.efi}. */
    public String efiBootFileOrDefault() {
        return efiBootFile == null ? "ipxe.efi" : efiBootFile;
    }

    /** What to do with a MAC address that is not in the inventory when it asks to boot. */
    public enum UnknownMacs {
        /** Record it (API, web page) and send it to its local disk. */
        DISCOVER,
        /** Send it to its local disk and record nothing. */
        IGNORE;

        @com.fasterxml.jackson.annotation.JsonValue
        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public UnknownMacs unknownMacsOrDefault() {
        return unknownMacs == null ? UnknownMacs.DISCOVER : unknownMacs;
    }

    /**
     * Where per-node secrets come from: a secrets file ({@code file}, relative to the inventory) or
     * Vault ({@code vault}; its address and credentials come from the environment, never the inventory).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Secrets(SecretSourceKind source, String file, Vault vault) {

        public SecretSourceKind sourceOrDefault() {
            return source == null ? SecretSourceKind.FILE : source;
        }

        public Vault vaultOrDefault() {
            return vault == null ? new Vault(null, null, null, null, null) : vault;
        }
    }

    /**
     * Vault KV v2 settings.
     *
     * @param mount   the KV v2 mount (default {@code secret})
     * @param path    the secret path under the mount, with {@code {{hostname}}} and {@code {{name}}}
     *                (default {@code nodes/{{hostname}}}, read as {@code secret/data/nodes/<hostname>})
     * @param caFile  PEM certificates to trust for Vault's TLS, relative to the inventory
     * @param ttl     how long a node's secrets are reused before Vault is asked again (default 60s)
     * @param timeout connect and read timeout of each request to Vault (default 5s)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Vault(String mount, String path, String caFile, TimeSpan ttl, TimeSpan timeout) {

        public String mountOrDefault() {
            return mount == null ? "secret" : mount.replaceAll("^/+|/+$", "");
        }

        public String pathOrDefault() {
            return path == null ? "nodes/{{hostname}}" : path.replaceAll("^/+|/+$", "");
        }

        public java.time.Duration ttlOrDefault() {
            return ttl == null ? java.time.Duration.ofSeconds(60) : ttl.duration();
        }

        public java.time.Duration timeoutOrDefault() {
            return timeout == null ? java.time.Duration.ofSeconds(5) : timeout.duration();
        }

        /** The node's secret path under the mount: the template with its placeholders filled in. */
        public String pathFor(String name, String hostname) {
            return PLACEHOLDER.matcher(pathOrDefault()).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
                    m.group(1).equals("name") ? name : hostname));
        }

        /** Placeholders in {@code path} other than {@code {{name}}} and {@code {{hostname}}}. */
        public List<String> unknownPlaceholders() {
            return PLACEHOLDER.matcher(pathOrDefault()).results().map(m -> m.group(1))
                    .filter(p -> !p.equals("name") && !p.equals("hostname")).toList();
        }

        private static final java.util.regex.Pattern PLACEHOLDER = java.util.regex.Pattern.compile("\\{\\{\\s*([^}]*?)\\s*}}");
    }

    public enum SecretSourceKind {
        FILE,
        VAULT;

        @com.fasterxml.jackson.annotation.JsonValue
        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
