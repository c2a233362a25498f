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

    /** Where per-node secrets come from; {@code file} is relative to the inventory file. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Secrets(SecretSourceKind source, String file) {
    }

    public enum SecretSourceKind {
        FILE;

        @com.fasterxml.jackson.annotation.JsonValue
        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
