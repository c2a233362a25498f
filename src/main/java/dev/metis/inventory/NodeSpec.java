package dev.metis.inventory;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.metis.net.Ipv4;
import dev.metis.net.Ipv4Cidr;
import dev.metis.net.MacAddress;
import java.util.List;
import java.util.Map;

/**
 * What a class or a node may set; after merging site, class chain and node, the same shape describes
 * one node completely. Every field is optional here; {@link InventoryLoader} checks what a merged node
 * must have. Collections that should merge key by key are maps, the rest are lists (which replace).
 * {@code cloud_init} is extra cloud-config, free-form, its scalars typed as YAML 1.1 reads them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder(alphabetic = false)
public record NodeSpec(
        String description,
        @JsonProperty("extends") String extendsClass,
        @JsonProperty("class") String nodeClass,
        String hostname,
        MacAddress mac,
        Ipv4Cidr ip,
        Ipv4 gateway,
        String serial,
        @JsonProperty("interface") String networkInterface,
        Arch arch,
        Delivery delivery,
        String domain,
        List<Ipv4> dns,
        List<String> ntp,
        String timezone,
        Netboot netboot,
        Image image,
        Install install,
        K3s k3s,
        Map<String, User> users,
        List<String> sshAuthorizedKeys,
        Map<String, String> journald,
        Longhorn longhorn,
        List<String> packages,
        Map<String, FileSpec> files,
        String bootOverlay,
        Map<String, Object> cloudInit) {

    /**
     * Kernel, initrds and command line that iPXE boots (see {@link BootAsset}).
     * {@code boot_file} overrides the iPXE binary that firmware which is not yet iPXE is given.
     * {@code firmware_dir} (relative to the inventory) holds a Raspberry Pi's boot files, served over
     * TFTP under the Pi's serial number; its {@code cmdline.txt} is generated.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Netboot(BootAsset kernel, List<BootAsset> initrd, String cmdline, String bootFile, String firmwareDir) {
    }

    /**
     * A kernel or initrd. Written as one value, it is a path under the served boot assets or a URL the node
     * fetches itself, as written. Written as {@code {url, sha256}}, Metis fetches it into its cache, checks its
     * hash and serves it: the node needs no way out and gets exactly the bytes the hash names.
     */
    public record BootAsset(String path, String url, String sha256) {

        @JsonCreator
        public static BootAsset parse(String written) {
            return written.startsWith("http://") || written.startsWith("https://")
                    ? new BootAsset(null, written, null) : new BootAsset(written, null, null);
        }

        /** The mapping form: both fields are required, so that a URL Metis fetches always has its hash. */
        @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
        public static BootAsset fetched(@JsonProperty(value = "url", required = true) String url,
                @JsonProperty(value = "sha256", required = true) String sha256) {
            return new BootAsset(null, url, sha256);
        }

        /** Metis fetches, checks and serves it (rather than serving a boot-assets file or passing a URL on). */
        public boolean fetchedByMetis() {
            return sha256 != null;
        }

        /** The last segment of its path or URL: the name iPXE gives an initrd. */
        public String fileName() {
            String written = path != null ? path : url.replaceFirst("[?#].*", "");
            return written.substring(written.lastIndexOf('/') + 1);
        }

        /** As written: one value, or the mapping. */
        @JsonValue
        Object written() {
            if (!fetchedByMetis()) {
                return path != null ? path : url;
            }
            Map<String, String> mapping = new java.util.LinkedHashMap<>();
            mapping.put("url", url);
            mapping.put("sha256", sha256);
            return mapping;
        }
    }

    /** The golden image a card is written from: a local path or a URL, and its SHA-256. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Image(String url, String path, String sha256) {
    }

    /**
     * Where a netbooting node's recovery environment writes its {@code image}: a whole disk by path (best
     * {@code /dev/disk/by-id/...}, which names one physical disk whatever the probe order), or {@code auto},
     * the one disk that is neither removable nor in use and is large enough (none or several: the install
     * fails and says which it saw).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Install(String disk) {
        public static final String AUTO = "auto";
        /** The recovery environment's kernel and initramfs, under the boot assets ({@code deploy/recovery/build}). */
        public static final BootAsset RECOVERY_KERNEL = BootAsset.parse("recovery/vmlinuz");
        public static final BootAsset RECOVERY_INITRD = BootAsset.parse("recovery/initramfs.gz");
    }

    /**
     * k3s settings. Labels map key to value; taints map key to {@code Effect} or {@code value:Effect}, so
     * a node can drop one inherited taint by setting it to null.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record K3s(K3sRole role, String server, Boolean clusterInit, String version,
            Map<String, String> labels, Map<String, String> taints) {
    }

    /** A login; {@code password: true} gives it the node's {@code ssh_password} secret (a crypt hash). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record User(List<String> groups, String shell, String sudo, Boolean password,
            List<String> sshAuthorizedKeys) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Longhorn(String path, List<Disk> disks) {
    }

    /** A data disk found by filesystem UUID, mounted only when present. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Disk(String uuid, String mountPoint, String filesystem) {
    }

    /** An extra file; {@code content} is a Mustache template that may use node fields and secrets. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FileSpec(String content, String permissions, String owner) {
    }
}
