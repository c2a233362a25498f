package dev.metis.identity;

import java.util.Arrays;
import java.util.Optional;

/** Everything Metis renders for one node, by the name used on the command line and in URLs. */
public enum Artifact {
    META_DATA("meta-data", "text/yaml"),
    USER_DATA("user-data", "text/cloud-config"),
    VENDOR_DATA("vendor-data", "text/cloud-config"),
    NETWORK_CONFIG("network-config", "text/yaml"),
    K3S_CONFIG("k3s-config", "text/yaml"),
    IPXE("ipxe", "text/plain"),
    /** A netbooting Raspberry Pi's kernel command line, served over TFTP as {@code <serial>/cmdline.txt}. */
    PI_CMDLINE("cmdline.txt", "text/plain");

    private final String fileName;
    private final String contentType;

    Artifact(String fileName, String contentType) {
        this.fileName = fileName;
        this.contentType = contentType;
    }

    public String fileName() {
        return fileName;
    }

    public String contentType() {
        return contentType;
    }

    /** The four files of a cloud-init NoCloud seed, as served under {@code /nocloud/<mac>/} and written to cards. */
    public boolean isSeedFile() {
        return this == META_DATA || this == USER_DATA || this == VENDOR_DATA || this == NETWORK_CONFIG;
    }

    /** The files a node's secrets go into; the others can be rendered and served without them. */
    public boolean carriesSecrets() {
        return this == USER_DATA || this == K3S_CONFIG;
    }

    public static Optional<Artifact> byFileName(String name) {
        return Arrays.stream(values()).filter(a -> a.fileName.equals(name)).findFirst();
    }

    @Override
    public String toString() {
        return fileName;
    }
}
