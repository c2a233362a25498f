package dev.metis.inventory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Loads an inventory file: checks it against the model, resolves class chains, merges site, classes
 * and node for each node, and checks the merged result. All problems are reported together.
 */
public final class InventoryLoader {

    private static final Set<String> NODE_ONLY = Set.of("class", "hostname", "mac", "ip", "serial");
    private static final Set<String> CLASS_ONLY = Set.of("extends");
    /** Site fields that are also the first layer of every node. */
    private static final List<String> SITE_NODE_FIELDS = List.of("domain", "dns", "ntp", "timezone",
            "ssh_authorized_keys");
    private static final Pattern HOSTNAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern USER_NAME = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");
    private static final Pattern TAINT = Pattern.compile("([^:=\\s]+:)?(NoSchedule|PreferNoSchedule|NoExecute)");
    private static final Pattern URL = Pattern.compile("https?://[^\\s/]+(/\\S*)?");
    /** No spaces or shell metacharacters: the recovery environment reads it as one word of its plan. */
    private static final Pattern INSTALL_DISK = Pattern.compile("/dev/[A-Za-z0-9/_.:-]+");

    /** The fields a node or class may have. */
    private static final Set<String> NODE_FIELDS = new SchemaCheck(Mappers.binding(), true)
            .fieldNames(Mappers.binding().constructType(NodeSpec.class));
    private final SchemaCheck schema = new SchemaCheck(Mappers.binding(), true);
    private final List<Problem> problems = new ArrayList<>();
    private final Path file;

    private InventoryLoader(Path file) {
        this.file = file;
    }

    public static Inventory load(Path file) throws InvalidInputException {
        return new InventoryLoader(file).load();
    }

    private Inventory load() throws InvalidInputException {
        YamlNode root;
        try {
            root = YamlReader.read(file, "inventory", true);
        } catch (YamlReader.MisIndented e) {
            // Reported, and the rest is checked as if re-indented: one run lists the other problems too.
            problems.addAll(e.problems());
            root = e.asIfIndented();
        }
        if (!(root instanceof YamlNode.Mapping top)) {
            throw new InvalidInputException(List.of(new Problem(root.pos(),
                    "an inventory is a mapping with 'site', 'classes' and 'nodes'")));
        }
        top.entries().keySet().stream().filter(k -> !Set.of("site", "classes", "nodes").contains(k))
                .forEach(k -> problems.add(new Problem(top.keyPos(k), "unknown top-level field '" + k + "'"
                        + SchemaCheck.suggestion(k, List.of("site", "classes", "nodes")))));

        YamlNode.Mapping site = (YamlNode.Mapping) section(top, "site", true,
                raw -> schema.check(raw.withLayer("site"), Site.class, "site", problems));
        Map<String, YamlNode.Mapping> classes = entries(top, "classes", false, "class", NODE_ONLY);
        Map<String, YamlNode.Mapping> nodes = entries(top, "nodes", true, "node", CLASS_ONLY);

        Site boundSite = site == null ? null : Mappers.binding().convertValue(YamlNode.toPlain(site), Site.class);
        if (boundSite != null) {
            checkSite(site, boundSite);
        }
        Map<String, List<String>> chains = resolveChains(classes);
        List<ResolvedNode> resolved = new ArrayList<>();
        nodes.forEach((name, node) -> {
            ResolvedNode merged = mergeNode(name, node, site, classes, chains, top);
            if (merged != null) {
                resolved.add(merged);
            }
        });
        checkUnique(resolved, "MAC address", n -> n.spec().mac(), "mac");
        checkUnique(resolved, "IP address", n -> n.spec().ip() == null ? null : n.spec().ip().address(), "ip");
        checkUnique(resolved, "hostname", ResolvedNode::hostname, "hostname");
        // A Pi asks for its files by serial, in any case: two nodes with one serial would leave one unreachable.
        checkUnique(resolved, "Pi serial", n -> n.spec().serial() == null ? null
                : n.spec().serial().toLowerCase(java.util.Locale.ROOT), "serial");
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        return new Inventory(file, boundSite, resolved, site.keyPositions());
    }

    private YamlNode section(YamlNode.Mapping top, String key, boolean required, Function<YamlNode, YamlNode> check) {
        YamlNode raw = top.get(key);
        if (raw == null || Merge.isNull(raw)) {
            if (required) {
                problems.add(new Problem(top.pos(), "missing required section '" + key + "'"));
            }
            return null;
        }
        return check.apply(raw);
    }

    /** The named entries of {@code classes} or {@code nodes}, each checked against {@link NodeSpec}. */
    private Map<String, YamlNode.Mapping> entries(YamlNode.Mapping top, String key, boolean required, String kind,
            Set<String> forbidden) {
        Map<String, YamlNode.Mapping> out = new LinkedHashMap<>();
        YamlNode raw = section(top, key, required, r -> r);
        if (raw == null) {
            return out;
        }
        if (!(raw instanceof YamlNode.Mapping section)) {
            problems.add(new Problem(raw.pos(), key + ": expected a mapping of " + kind + " names, got " + YamlNode.kindOf(raw)));
            return out;
        }
        section.entries().forEach((name, value) -> {
            String path = key + "." + name;
            if (!(value instanceof YamlNode.Mapping entry)) {
                problems.add(new Problem(value.pos(), path + ": expected a mapping, got " + YamlNode.kindOf(value)
                        + misplacedField(name, kind)));
                return;
            }
            Map<String, YamlNode> allowed = new LinkedHashMap<>(entry.entries());
            for (String field : forbidden) {
                if (allowed.remove(field) != null) {
                    problems.add(new Problem(entry.keyPos(field), path + ": '" + field + "' cannot be set on a " + kind));
                }
            }
            YamlNode.Mapping trimmed = new YamlNode.Mapping(allowed, entry.keyPositions(), entry.pos(), kind + " " + name);
            YamlNode checked = schema.check(trimmed.withLayer(kind + " " + name), NodeSpec.class, path, problems);
            out.put(name, (YamlNode.Mapping) checked);
        });
        return out;
    }

    /** A field of a node or class where a node or class name is expected: most likely a line indented too little. */
    private static String misplacedField(String name, String kind) {
        if (!NODE_FIELDS.contains(name)) {
            return "";
        }
        return "; '" + name + "' is a field of a " + kind + ": if it belongs to the " + kind + " above, indent it "
                + "as far as that " + kind + "'s other fields";
    }

    private void checkSite(YamlNode.Mapping siteTree, Site site) {
        if (site.name() == null) {
            problems.add(new Problem(siteTree.pos(), "site: missing required field 'name'"));
        }
        if (site.serverUrl() == null) {
            problems.add(new Problem(siteTree.pos(), "site: missing required field 'server_url' (the URL nodes use to reach Metis)"));
        } else if (!URL.matcher(site.serverUrl()).matches()) {
            problems.add(new Problem(siteTree.get("server_url").pos(), "site.server_url: '" + site.serverUrl() + "' is not an http(s) URL"));
        }
        if (site.k3sServer() != null && !URL.matcher(site.k3sServer()).matches()) {
            problems.add(new Problem(siteTree.get("k3s_server").pos(), "site.k3s_server: '" + site.k3sServer() + "' is not an http(s) URL"));
        }
        if (site.secrets() != null) {
            checkSecrets((YamlNode.Mapping) siteTree.get("secrets"), site.secrets());
        }
    }

    private void checkSecrets(YamlNode.Mapping tree, Site.Secrets secrets) {
        if (secrets.sourceOrDefault() == Site.SecretSourceKind.FILE) {
            if (secrets.file() == null) {
                problems.add(new Problem(tree.pos(), "site.secrets: missing required field 'file'"));
            }
            if (secrets.vault() != null) {
                problems.add(new Problem(tree.keyPos("vault"), "site.secrets.vault: only used with source: vault"));
            }
            return;
        }
        if (secrets.file() != null) {
            problems.add(new Problem(tree.keyPos("file"), "site.secrets.file: not used with source: vault"));
        }
        if (!(tree.get("vault") instanceof YamlNode.Mapping vaultTree)) {
            return;
        }
        Site.Vault vault = secrets.vault();
        for (String placeholder : vault.unknownPlaceholders()) {
            problems.add(new Problem(vaultTree.get("path").pos(), "site.secrets.vault.path: unknown placeholder '{{"
                    + placeholder + "}}' (known: {{name}}, {{hostname}})"));
        }
        if (vault.mountOrDefault().isEmpty() || vault.pathOrDefault().isEmpty()
                || List.of(vault.pathOrDefault().split("/")).stream().anyMatch(p -> p.isEmpty() || p.equals(".."))) {
            problems.add(new Problem(vaultTree.pos(),
                    "site.secrets.vault: 'mount' and 'path' need non-empty segments without '..'"));
        }
        if (vault.timeout() != null && vault.timeout().duration().isZero()) {
            problems.add(new Problem(vaultTree.get("timeout").pos(), "site.secrets.vault.timeout: must be more than 0"));
        }
        if (vault.caFile() != null) {
            Path ca = file.toAbsolutePath().getParent().resolve(vault.caFile()).normalize();
            if (!Files.isReadable(ca) || Files.isDirectory(ca)) {
                problems.add(new Problem(vaultTree.get("ca_file").pos(), "site.secrets.vault.ca_file: no readable file " + ca));
            }
        }
    }

    /** Each class's chain from its root class down to itself; classes in a cycle or with an unknown parent get none. */
    private Map<String, List<String>> resolveChains(Map<String, YamlNode.Mapping> classes) {
        Map<String, List<String>> chains = new HashMap<>();
        Set<String> reportedCycles = new LinkedHashSet<>();
        for (String start : classes.keySet()) {
            List<String> chain = new ArrayList<>();
            String current = start;
            boolean ok = true;
            while (current != null) {
                if (chain.contains(current)) {
                    List<String> cycle = new ArrayList<>(chain.subList(chain.indexOf(current), chain.size()));
                    if (reportedCycles.addAll(cycle)) {
                        YamlNode.Mapping member = classes.get(current);
                        cycle.add(current);
                        problems.add(new Problem(member.keyPos("extends"), "classes." + current
                                + ".extends: cycle " + String.join(" -> ", cycle)));
                    }
                    ok = false;
                    break;
                }
                chain.add(current);
                YamlNode.Mapping spec = classes.get(current);
                YamlNode parent = spec.get("extends");
                if (parent == null || Merge.isNull(parent)) {
                    break;
                }
                String parentName = ((YamlNode.Scalar) parent).text();
                if (!classes.containsKey(parentName)) {
                    problems.add(new Problem(parent.pos(), "classes." + current + ".extends: unknown class '"
                            + parentName + "'" + SchemaCheck.suggestion(parentName, List.copyOf(classes.keySet()))));
                    ok = false;
                    break;
                }
                current = parentName;
            }
            if (ok) {
                List<String> rootFirst = new ArrayList<>(chain);
                java.util.Collections.reverse(rootFirst);
                chains.put(start, rootFirst);
            }
        }
        return chains;
    }

    private ResolvedNode mergeNode(String name, YamlNode.Mapping node, YamlNode.Mapping site,
            Map<String, YamlNode.Mapping> classes, Map<String, List<String>> chains, YamlNode.Mapping top) {
        SourcePos declared = ((YamlNode.Mapping) top.get("nodes")).keyPos(name);
        String path = "nodes." + name;
        YamlNode classRef = node.get("class");
        List<String> chain = List.of();
        if (classRef == null || Merge.isNull(classRef)) {
            if (!rawHas(top, "nodes", name, "class")) {
                problems.add(new Problem(declared, path + ": missing required field 'class'"));
            }
        } else {
            String className = ((YamlNode.Scalar) classRef).text();
            if (!classes.containsKey(className)) {
                problems.add(new Problem(classRef.pos(), path + ".class: unknown class '" + className + "'"
                        + SchemaCheck.suggestion(className, List.copyOf(classes.keySet()))));
                return null;
            }
            chain = chains.get(className);
            if (chain == null) {
                return null; // the class's own problem is reported once, at the class
            }
        }
        YamlNode merged = Merge.withoutNulls(siteLayer(site, node.pos()));
        Map<String, Removal> removals = new LinkedHashMap<>();
        for (String className : chain) {
            YamlNode.Mapping layer = classes.get(className);
            Map<String, YamlNode> inherited = new LinkedHashMap<>(layer.entries());
            inherited.remove("extends");
            inherited.remove("description"); // describes the class, not the nodes that use it
            merged = Merge.overlay(merged, new YamlNode.Mapping(inherited, layer.keyPositions(), layer.pos(), layer.layer()),
                    removals);
        }
        merged = Merge.overlay(merged, node, removals);
        @SuppressWarnings("unchecked")
        Map<String, Object> plain = (Map<String, Object>) YamlNode.toPlain(merged);
        YamlNode cloudInit = ((YamlNode.Mapping) merged).get("cloud_init");
        if (cloudInit != null) {
            // cloud-config, not Metis's model: its scalars keep the types cloud-init would give the same text
            plain.put("cloud_init", YamlNode.toTyped(cloudInit));
        }
        NodeSpec spec = Mappers.binding().convertValue(plain, NodeSpec.class);
        Map<String, Origin> provenance = Merge.provenance(merged);
        ResolvedNode resolved = new ResolvedNode(name, spec, chain, provenance, Merge.standing(removals, provenance),
                declared);
        checkNode(resolved, top, chain);
        return resolved;
    }

    /** The site's node-level settings as a layer of their own, so provenance can name the site. */
    private static YamlNode.Mapping siteLayer(YamlNode.Mapping site, SourcePos fallback) {
        Map<String, YamlNode> entries = new LinkedHashMap<>();
        Map<String, SourcePos> keyPositions = new LinkedHashMap<>();
        if (site == null) {
            return new YamlNode.Mapping(entries, keyPositions, fallback, "site");
        }
        for (String field : SITE_NODE_FIELDS) {
            if (site.get(field) != null) {
                entries.put(field, site.get(field));
                keyPositions.put(field, site.keyPos(field));
            }
        }
        YamlNode k3sServer = site.get("k3s_server");
        if (k3sServer != null) {
            entries.put("k3s", new YamlNode.Mapping(Map.of("server", k3sServer), Map.of("server", k3sServer.pos()),
                    k3sServer.pos(), "site"));
            keyPositions.put("k3s", site.keyPos("k3s_server"));
        }
        return new YamlNode.Mapping(entries, keyPositions, site.pos(), "site");
    }

    /** True when a layer wrote the field at all; a present but invalid value was already reported. */
    private static boolean rawHas(YamlNode.Mapping top, String section, String name, String field) {
        YamlNode entry = ((YamlNode.Mapping) top.get(section)).get(name);
        return entry instanceof YamlNode.Mapping m && m.get(field) != null && !Merge.isNull(m.get(field));
    }

    private boolean rawHasInChain(YamlNode.Mapping top, String nodeName, List<String> chain, String field) {
        if (rawHas(top, "nodes", nodeName, field)) {
            return true;
        }
        for (String className : chain) {
            if (rawHas(top, "classes", className, field)) {
                return true;
            }
        }
        return false;
    }

    private void checkNode(ResolvedNode node, YamlNode.Mapping top, List<String> chain) {
        NodeSpec spec = node.spec();
        String path = "nodes." + node.name();
        for (String field : List.of("mac", "arch", "delivery")) {
            boolean missing = switch (field) {
                case "mac" -> spec.mac() == null;
                case "arch" -> spec.arch() == null;
                default -> spec.delivery() == null;
            };
            if (missing && !rawHasInChain(top, node.name(), chain, field)) {
                problems.add(new Problem(node.pos(), path + ": missing required field '" + field + "'"
                        + (NODE_ONLY.contains(field) ? "" : " (set it on the node or one of its classes)")));
            }
        }
        if (!HOSTNAME.matcher(node.hostname()).matches()) {
            problems.add(at(node, "hostname", path + ": '" + node.hostname()
                    + "' is not a valid hostname (lower-case letters, digits and '-', at most 63)"));
        }
        if (spec.networkInterface() != null && !spec.networkInterface().matches("[A-Za-z0-9_.-]{1,15}")) {
            problems.add(at(node, "interface", path + ".interface: '" + spec.networkInterface()
                    + "' is not a Linux interface name (at most 15 letters, digits, '_', '.', '-')"));
        }
        if (spec.gateway() != null && spec.ip() != null && !spec.ip().contains(spec.gateway())) {
            problems.add(at(node, "gateway", path + ".gateway: " + spec.gateway() + " is outside " + spec.ip()));
        }
        if (spec.gateway() != null && spec.ip() == null && !rawHas(top, "nodes", node.name(), "ip")) {
            // without ip the NIC takes address and route from DHCP; a gateway beside them would be ignored
            problems.add(at(node, "gateway", path + ".gateway: a node without 'ip' gets its route by DHCP; "
                    + "remove the gateway (gateway: null on the node, if its class sets one)"));
        }
        if (spec.delivery() == Delivery.NETBOOT && spec.arch() == Arch.AMD64 && spec.image() == null
                && (spec.netboot() == null || spec.netboot().kernel() == null)) {
            problems.add(at(node, "delivery", path + ": delivery netboot needs netboot.kernel, or an image to install"));
        }
        checkInstall(node, path);
        if (spec.delivery() == Delivery.SDCARD && spec.image() == null) {
            problems.add(at(node, "delivery", path + ": delivery sdcard needs an image (url or path, and sha256)"));
        }
        checkImage(node, path);
        checkNetbootAssets(node, path);
        checkK3s(node, path);
        if (spec.users() != null) {
            spec.users().keySet().stream().filter(u -> !USER_NAME.matcher(u).matches()).forEach(u ->
                    problems.add(at(node, "users", path + ".users: '" + u + "' is not a valid user name")));
        }
        if (spec.journald() != null) {
            spec.journald().forEach((key, value) -> {
                if (!key.matches("[A-Z][A-Za-z]+") || value == null || value.contains("\n")) {
                    problems.add(at(node, "journald", path + ".journald: '" + key
                            + "' must be a journald.conf option name (e.g. SystemMaxUse) with a one-line value"));
                }
            });
        }
        if (spec.longhorn() != null && spec.longhorn().disks() != null) {
            for (NodeSpec.Disk disk : spec.longhorn().disks()) {
                if (disk.uuid() == null || !disk.uuid().matches("[0-9a-fA-F-]{8,36}")) {
                    problems.add(at(node, "longhorn", path + ".longhorn.disks: each disk needs a filesystem 'uuid'"));
                }
                if (disk.mountPoint() == null || !disk.mountPoint().startsWith("/")) {
                    problems.add(at(node, "longhorn", path + ".longhorn.disks: each disk needs an absolute 'mount_point'"));
                }
            }
        }
        if (spec.files() != null) {
            spec.files().forEach((filePath, f) -> {
                if (!filePath.startsWith("/") || f.content() == null) {
                    problems.add(at(node, "files", path + ".files: '" + filePath
                            + "' needs an absolute path and a 'content'"));
                }
            });
        }
        if (spec.serial() != null && !spec.serial().matches("[0-9a-fA-F]{8}")) {
            problems.add(at(node, "serial", path + ".serial: '" + spec.serial()
                    + "' is not a Raspberry Pi serial (8 hex digits, as in the TFTP path the Pi asks for)"));
        }
        if (spec.netboot() != null && spec.netboot().firmwareDir() != null) {
            Path firmware = file.toAbsolutePath().getParent().resolve(spec.netboot().firmwareDir()).normalize();
            if (!Files.isDirectory(firmware)) {
                problems.add(at(node, "netboot.firmware_dir", path + ".netboot.firmware_dir: no directory " + firmware));
            }
        }
        if (spec.bootOverlay() != null) {
            Path overlay = file.toAbsolutePath().getParent().resolve(spec.bootOverlay()).normalize();
            if (!Files.isDirectory(overlay)) {
                problems.add(at(node, "boot_overlay", path + ".boot_overlay: no directory " + overlay));
            }
        }
    }

    /** A netbooting amd64 node with an image installs it, and must say on which disk; nothing else installs. */
    private void checkInstall(ResolvedNode node, String path) {
        NodeSpec spec = node.spec();
        boolean installs = spec.delivery() == Delivery.NETBOOT && spec.arch() == Arch.AMD64 && spec.image() != null;
        String disk = spec.install() == null ? null : spec.install().disk();
        if (installs && disk == null) {
            problems.add(at(node, spec.install() == null ? "image" : "install", path + ": a netboot node with an image "
                    + "installs it to disk: set install.disk (a /dev path such as /dev/disk/by-id/..., or auto)"));
        } else if (!installs && spec.install() != null) {
            problems.add(at(node, "install", path + ".install: only a netbooting amd64 node with an image installs "
                    + "(delivery " + spec.delivery() + ", arch " + spec.arch() + ", image " + (spec.image() == null
                    ? "not set" : "set") + ")"));
        }
        if (disk != null && !disk.equals(NodeSpec.Install.AUTO) && !INSTALL_DISK.matcher(disk).matches()) {
            problems.add(at(node, "install.disk", path + ".install.disk: '" + disk
                    + "' is neither a /dev path (letters, digits, / _ . : - only) nor auto"));
        }
    }

    private void checkImage(ResolvedNode node, String path) {
        NodeSpec.Image image = node.spec().image();
        if (image == null) {
            return;
        }
        if ((image.url() == null) == (image.path() == null)) {
            problems.add(at(node, "image", path + ".image: set exactly one of 'url' and 'path'"));
        }
        if (image.url() != null && !URL.matcher(image.url()).matches()) {
            problems.add(at(node, "image.url", path + ".image.url: '" + image.url() + "' is not an http(s) URL"));
        }
        if (image.sha256() == null || !SHA256.matcher(image.sha256()).matches()) {
            problems.add(at(node, image.sha256() == null ? "image" : "image.sha256",
                    path + ".image.sha256: 64 lower-case hex digits are required"));
        }
    }

    /** A kernel or initrd Metis fetches needs an http(s) URL and a well-formed hash; the rest is checked at use. */
    private void checkNetbootAssets(ResolvedNode node, String path) {
        NodeSpec.Netboot netboot = node.spec().netboot();
        if (netboot == null) {
            return;
        }
        Map<String, NodeSpec.BootAsset> assets = new LinkedHashMap<>();
        if (netboot.kernel() != null) {
            assets.put("netboot.kernel", netboot.kernel());
        }
        for (int i = 0; netboot.initrd() != null && i < netboot.initrd().size(); i++) {
            assets.put("netboot.initrd[" + i + "]", netboot.initrd().get(i));
        }
        assets.forEach((field, asset) -> {
            String where = field.startsWith("netboot.initrd") ? "netboot.initrd" : field;
            if (asset.fetchedByMetis() && !URL.matcher(asset.url()).matches()) {
                problems.add(at(node, where, path + "." + field + ".url: '" + asset.url() + "' is not an http(s) URL"));
            }
            if (asset.fetchedByMetis() && !SHA256.matcher(asset.sha256()).matches()) {
                problems.add(at(node, where, path + "." + field + ".sha256: 64 lower-case hex digits are required"));
            }
        });
    }

    private void checkK3s(ResolvedNode node, String path) {
        NodeSpec.K3s k3s = node.spec().k3s();
        if (k3s == null) {
            return;
        }
        boolean founder = Boolean.TRUE.equals(k3s.clusterInit());
        if (k3s.role() == K3sRole.AGENT && founder) {
            problems.add(at(node, "k3s.cluster_init", path + ".k3s.cluster_init: only a server can initialise the cluster"));
        }
        if (k3s.role() != null && k3s.server() == null && !founder) {
            problems.add(at(node, "k3s.role", path + ".k3s: a " + k3s.role()
                    + " needs 'server' (or site.k3s_server) unless it has cluster_init: true"));
        }
        if (k3s.server() != null && !URL.matcher(k3s.server()).matches()) {
            problems.add(at(node, "k3s.server", path + ".k3s.server: '" + k3s.server() + "' is not an http(s) URL"));
        }
        if (k3s.taints() != null) {
            k3s.taints().forEach((key, value) -> {
                if (value == null || !TAINT.matcher(value).matches()) {
                    problems.add(at(node, "k3s.taints." + quoted(key), path + ".k3s.taints." + key
                            + ": expected NoSchedule, PreferNoSchedule or NoExecute, optionally after 'value:'"));
                }
            });
        }
    }

    private static String quoted(String key) {
        return key.matches("[A-Za-z0-9_\\-]+") ? key : "\"" + key + "\"";
    }

    /** A problem placed at the value that caused it (or its closest set parent), else at the node. */
    private static Problem at(ResolvedNode node, String field, String message) {
        return new Problem(node.where(field), message);
    }

    private <T> void checkUnique(List<ResolvedNode> nodes, String what, Function<ResolvedNode, T> key, String field) {
        Map<T, ResolvedNode> seen = new HashMap<>();
        for (ResolvedNode node : nodes) {
            T value = key.apply(node);
            if (value == null) {
                continue;
            }
            ResolvedNode first = seen.putIfAbsent(value, node);
            if (first != null) {
                problems.add(at(node, field, "nodes." + node.name() + ": " + what + " " + value
                        + " is already used by node '" + first.name() + "' (" + first.pos() + ")"));
            }
        }
    }
}
