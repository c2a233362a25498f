package dev.metis.e2e;

import dev.metis.files.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a guest booted from the golden image said about itself: the block of {@code key=value} lines that
 * its {@code metis-facts} unit (deploy/dev/golden-image) prints to the serial console once cloud-init is
 * done. The guest's own view (hostname, addresses, users, files, cloud-init's result), never Metis's.
 */
final class GuestFacts {

    static final String BEGIN = "METIS-FACTS-BEGIN";
    private static final Pattern END = Pattern.compile("METIS-FACTS-END sha256=([0-9a-f]{64})$");

    private final Map<String, String> facts;

    private GuestFacts(Map<String, String> facts) {
        this.facts = facts;
    }

    /**
     * Every whole block in a console's output, in order. A block the console cut or mixed with other output
     * (a kernel message, a login prompt) fails its hash and is left out; the guest prints a fresh copy.
     */
    static List<GuestFacts> parseAll(String console) {
        List<GuestFacts> blocks = new ArrayList<>();
        List<String> body = null;
        for (String line : console.replace("\r", "").split("\n", -1)) {
            Matcher end = END.matcher(line);
            if (line.endsWith(BEGIN)) {
                body = new ArrayList<>();
            } else if (body != null && end.find()) {
                String text = body.stream().map(l -> l + "\n").reduce("", String::concat);
                if (Sha256.hex(text.getBytes(StandardCharsets.UTF_8)).equals(end.group(1))) {
                    Map<String, String> facts = new LinkedHashMap<>();
                    body.forEach(l -> facts.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
                    blocks.add(new GuestFacts(facts));
                }
                body = null;
            } else if (body != null) {
                body.add(line);
            }
        }
        return blocks;
    }

    Map<String, String> all() {
        return facts;
    }

    Optional<String> find(String key) {
        return Optional.ofNullable(facts.get(key));
    }

    /** The fact {@code key}; fails, showing every fact, when the guest did not print it. */
    String get(String key) {
        return find(key).orElseThrow(() -> new AssertionError("the guest printed no " + key + ": " + facts));
    }

    /** How often this disk has booted (a counter on its /var): 1 on the first boot. */
    int bootCount() {
        return Integer.parseInt(get("boot_count"));
    }

    String hostname() {
        return get("hostname");
    }

    /** {@code hostname -f}; empty when the guest cannot resolve its own name. */
    String fqdn() {
        return get("fqdn");
    }

    /** Every IPv4 address with its prefix ({@code 10.77.0.50/24}) per interface, loopback left out. */
    Map<String, List<String>> ipv4ByInterface() {
        Map<String, List<String>> addresses = new LinkedHashMap<>();
        facts.forEach((key, value) -> {
            if (key.startsWith("ipv4.")) {
                addresses.put(key.substring("ipv4.".length()), words(value));
            }
        });
        return addresses;
    }

    /** Every IPv4 address with its prefix on any interface but loopback. */
    List<String> ipv4Addresses() {
        return ipv4ByInterface().values().stream().flatMap(List::stream).toList();
    }

    /** The default route's gateway, empty without one. */
    String defaultGateway() {
        return find("default_route").map(route -> route.split(" dev ")[0]).orElse("");
    }

    /** The DNS servers systemd-resolved uses, global and per link. */
    List<String> dnsServers() {
        return words(get("dns"));
    }

    /** The groups of {@code user} (its primary group first). */
    List<String> groupsOf(String user) {
        return Arrays.asList(get("user." + user + ".groups").split(","));
    }

    /** The sha256 of {@code user}'s ~/.ssh/authorized_keys, empty when it has none. */
    Optional<String> authorizedKeysSha256(String user) {
        return find("user." + user + ".authorized_keys_sha256");
    }

    /** The sha256 of each file in /etc/systemd/journald.conf.d/ by its name. */
    Map<String, String> journaldDropIns() {
        Map<String, String> dropIns = new LinkedHashMap<>();
        facts.forEach((key, value) -> {
            if (key.startsWith("journald.")) {
                dropIns.put(key.substring("journald.".length()), value);
            }
        });
        return dropIns;
    }

    /** The sha256 of each file under /etc/metis/ (where the tests' inventories put their {@code files:}) by its path. */
    Map<String, String> metisFiles() {
        Map<String, String> files = new java.util.TreeMap<>();
        all().forEach((key, value) -> {
            if (key.startsWith("file.")) {
                files.put(key.substring("file.".length()), value);
            }
        });
        return files;
    }

    /** The sha256 of /etc/rancher/k3s/config.yaml, empty when there is none. */
    Optional<String> k3sConfigSha256() {
        return find("k3s.config_sha256");
    }

    /**
     * A key of the k3s config that holds no secret (server, cluster-init, node-name, node-ip, node-label,
     * node-taint; a list comma-joined). The token is never printed.
     */
    Optional<String> k3s(String key) {
        return find("k3s." + key);
    }

    /** {@code done}, {@code error}, {@code disabled} ... as {@code cloud-init status} says. */
    String cloudInitStatus() {
        return get("cloud_init.status");
    }

    /** The errors of /run/cloud-init/result.json as JSON: {@code []} when there were none. */
    String cloudInitErrors() {
        return get("cloud_init.errors");
    }

    /** Newer cloud-init's warnings and deprecations by level, as JSON ({@code {}} for none; 22.4 has none). */
    Optional<String> cloudInitRecoverableErrors() {
        return find("cloud_init.recoverable_errors");
    }

    /** cloud-init's platform ({@code nocloud}) from instance-data.json. */
    String datasourcePlatform() {
        return get("datasource.platform");
    }

    String instanceId() {
        return get("instance_id");
    }

    long rootPartitionBytes() {
        return Long.parseLong(get("root.partition_bytes"));
    }

    long rootFileSystemBytes() {
        return Long.parseLong(get("root.fs_bytes"));
    }

    long diskBytes() {
        return Long.parseLong(get("root.disk_bytes"));
    }

    private static List<String> words(String value) {
        return value.isBlank() ? List.of() : List.of(value.trim().split(" +"));
    }

    @Override
    public String toString() {
        return facts.toString();
    }
}
