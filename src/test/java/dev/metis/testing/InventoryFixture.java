package dev.metis.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes inventory and secrets files for a test, and knows the repository's example inventory. */
public final class InventoryFixture {

    public static final Path EXAMPLE = Path.of("deploy/example/inventory.yaml");

    private InventoryFixture() {
    }

    public static Path write(Path dir, String name, String yaml) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, yaml.stripIndent());
        return file;
    }

    /** A minimal valid site block with the given secrets file, for tests to put classes and nodes under. */
    public static String site(String secretsFile) {
        return site() + (secretsFile == null ? "" : """
                  secrets:
                    source: file
                    file: %s
                """.formatted(secretsFile));
    }

    /** Two netboot nodes for secrets tests: web-1, and n2, whose hostname host-two is not its name. */
    public static final String TWO_NODES = """
            classes:
              c: {arch: amd64, delivery: netboot, netboot: {kernel: k}}
            nodes:
              web-1: {class: c, mac: 02:00:00:00:00:01, ip: 192.0.2.21/24}
              n2: {class: c, mac: 02:00:00:00:00:02, ip: 192.0.2.22/24, hostname: host-two}
            """;

    /** A minimal valid site block with secrets from Vault, {@code vaultSettings} a flow mapping such as {@code {ttl: 0s}}. */
    public static String vaultSite(String vaultSettings) {
        return site() + """
                  secrets: {source: vault, vault: %s}
                """.formatted(vaultSettings);
    }

    /** An alias inside the node it names: unfolded naively, an endless tree. */
    public static final String RECURSIVE_ALIAS = "loop: &r {a: *r}\n";

    /**
     * Sixteen levels of {@code [*p, *p, *p]} under a top-level key {@code key}: 48 aliases, within
     * SnakeYAML's limit of 50, unfolding to 3^17 values (about 129 million).
     */
    public static String aliasBomb(String key) {
        StringBuilder yaml = new StringBuilder(key + ":\n  l0: &l0 [x, x, x]\n");
        for (int level = 1; level <= 16; level++) {
            String previous = "*l" + (level - 1);
            yaml.append("  l%d: &l%d [%s, %s, %s]%n".formatted(level, level, previous, previous, previous));
        }
        return yaml.toString();
    }

    private static String site() {
        return """
                site:
                  name: test
                  domain: t.example
                  dns: [192.0.2.1]
                  server_url: http://192.0.2.2:8080
                  k3s_server: https://192.0.2.10:6443
                  ssh_authorized_keys: [ssh-ed25519 AAAAtest site@key]
                """;
    }
}
