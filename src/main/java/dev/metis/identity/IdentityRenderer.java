package dev.metis.identity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import dev.metis.files.Sha256;
import dev.metis.inventory.Delivery;
import dev.metis.inventory.K3sRole;
import dev.metis.inventory.Mappers;
import dev.metis.inventory.NodeSpec;
import dev.metis.inventory.Origin;
import dev.metis.inventory.ResolvedNode;
import dev.metis.inventory.Site;
import dev.metis.secrets.NodeSecrets;
import dev.metis.secrets.Secret;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

/**
 * Renders everything a node receives from its merged inventory entry and its secrets. The HTTP server
 * and the card burner both call this and nothing else, so a card and the network give the same bytes.
 * Output is deterministic: the same node and secrets always give the same bytes.
 */
public final class IdentityRenderer {

    static final String K3S_CONFIG_PATH = "/etc/rancher/k3s/config.yaml";
    static final String JOURNALD_DROP_IN = "/etc/systemd/journald.conf.d/90-metis.conf";
    static final String LONGHORN_SCRIPT = "/usr/local/sbin/metis-longhorn-disks";
    static final String DEFAULT_INTERFACE = "eth0";
    private static final String K3S_INSTALL_SCRIPT = "https://get.k3s.io";
    /** Stands for every secret a node could have, in the rendering its config hash is computed from. */
    private static final NodeSecrets PLACEHOLDERS = new NodeSecrets(Optional.of(Secret.of(Secret.REDACTED)),
            Optional.of(Secret.of(Secret.REDACTED)), Map.of());
    /** Answers {@value Secret#REDACTED} for every name, so templates naming any extra secret render. */
    private static final Map<String, String> ANY_EXTRA = new java.util.AbstractMap<>() {
        @Override
        public boolean containsKey(Object key) {
            return true;
        }

        @Override
        public String get(Object key) {
            return Secret.REDACTED;
        }

        @Override
        public java.util.Set<Map.Entry<String, String>> entrySet() {
            return java.util.Set.of();
        }
    };
    /** An empty cloud-config: everything lives in user-data, which a card carries too. */
    private static final byte[] VENDOR_DATA = "#cloud-config\n{}\n".getBytes(StandardCharsets.UTF_8);

    private static final Mustache.Compiler MUSTACHE = Mustache.compiler().escapeHTML(false).strictSections(true);
    private static final Template IPXE_TEMPLATE = template("node.ipxe.mustache");
    private static final Template INSTALL_TEMPLATE = template("node-install.ipxe.mustache");

    private final Site site;
    private final ServerUrls urls;
    private final PhoneHomeKeys phoneHomeKeys;

    /** @param phoneHomeKeys the keys that go into user-data; {@link PhoneHomeKeys#REDACTED} where secrets are */
    public IdentityRenderer(Site site, PhoneHomeKeys phoneHomeKeys) {
        this.site = site;
        this.urls = new ServerUrls(site.serverUrl());
        this.phoneHomeKeys = phoneHomeKeys;
    }

    /** Where the node phones home: its key in the URL proves it holds its seed (see {@link PhoneHomeKeys}). */
    private String phoneHomeUrl(ResolvedNode node, PhoneHomeKeys keys) {
        return urls.phoneHome(node.spec().mac(), keys.keyFor(node.name()).reveal());
    }

    /**
     * Everything the node receives: {@link #renderPublic} plus the files that carry its secrets.
     *
     * @throws IdentityException when a file template or the extra cloud-config cannot be used
     */
    public NodeIdentity render(ResolvedNode node, NodeSecrets secrets) {
        NodeIdentity shared = renderPublic(node);
        Map<Artifact, byte[]> files = new EnumMap<>(shared.files());
        byte[] k3sConfig = k3sConfigFile(node, secrets);
        files.put(Artifact.USER_DATA, cloudConfig(userData(node, secrets, phoneHomeKeys, k3sConfig)));
        files.put(Artifact.K3S_CONFIG, k3sConfig);
        return new NodeIdentity(node.name(), shared.configHash(), shared.instanceId(), files);
    }

    /**
     * The files that carry no secret (meta-data, vendor-data, network-config, iPXE script, Pi
     * cmdline.txt), which can be served while the secret source is failing. The config hash and so the
     * instance-id come from the user-data rendered with every secret, present or not, replaced by
     * {@value Secret#REDACTED}: they depend on the inventory alone, can be shown anywhere, and are known
     * without asking the secret source.
     */
    public NodeIdentity renderPublic(ResolvedNode node) {
        byte[] networkConfig = yaml(networkConfig(node));
        byte[] placeholderUserData = cloudConfig(userData(node, PLACEHOLDERS, PhoneHomeKeys.REDACTED,
                k3sConfigFile(node, PLACEHOLDERS)));
        String configHash = sha256(placeholderUserData, networkConfig, VENDOR_DATA,
                node.hostname().getBytes(StandardCharsets.UTF_8));
        String instanceId = "metis-" + configHash.substring(0, 16);
        Map<Artifact, byte[]> files = new EnumMap<>(Artifact.class);
        files.put(Artifact.META_DATA, yaml(metaData(node, instanceId)));
        files.put(Artifact.VENDOR_DATA, VENDOR_DATA);
        files.put(Artifact.NETWORK_CONFIG, networkConfig);
        files.put(Artifact.IPXE, ipxeScript(node, configHash, null));
        files.put(Artifact.PI_CMDLINE, piCmdline(node, null));
        return new NodeIdentity(node.name(), configHash, instanceId, files);
    }

    /**
     * The node's iPXE script or Pi {@code cmdline.txt} for one boot: as {@link #renderPublic} renders
     * it, with {@code seedToken} in the seed URL. Only the URL differs; the seed files never carry the
     * token, so a card and the network still give the same seed.
     */
    public byte[] bootFile(ResolvedNode node, Artifact artifact, String configHash, String seedToken) {
        return switch (artifact) {
            case IPXE -> ipxeScript(node, configHash, seedToken);
            case PI_CMDLINE -> piCmdline(node, seedToken);
            default -> throw new IllegalArgumentException(artifact + " carries no seed URL");
        };
    }

    /**
     * Why {@code node} never receives {@code artifact} by its own delivery, if it does not: a card node
     * boots no iPXE and carries its image's own cmdline.txt; only netbooting Pis fetch cmdline.txt; a node
     * without a netboot kernel gets an exit script; a node without a k3s role gets no k3s config.
     */
    public static Optional<String> notReceived(ResolvedNode node, Artifact artifact) {
        NodeSpec spec = node.spec();
        boolean card = spec.delivery() == Delivery.SDCARD;
        return Optional.ofNullable(switch (artifact) {
            case IPXE -> card ? "node " + node.name() + " is delivered on a card: it boots no iPXE script"
                    : spec.netboot() == null || spec.netboot().kernel() == null ? "node " + node.name()
                            + " has no netboot.kernel: its iPXE script only sends it to its local disk" : null;
            case PI_CMDLINE -> card ? "node " + node.name() + " is delivered on a card: its cmdline.txt is the golden "
                    + "image's own with the seed argument added (metis plan shows it)"
                    : spec.serial() == null ? "node " + node.name() + " has no Pi serial: only netbooting Pis "
                            + "fetch cmdline.txt" : null;
            case K3S_CONFIG -> spec.k3s() == null || spec.k3s().role() == null
                    ? "node " + node.name() + " runs no k3s (no k3s.role)" : null;
            default -> null;
        });
    }

    /** The k3s config file, empty when the node runs no k3s. */
    private static byte[] k3sConfigFile(ResolvedNode node, NodeSecrets secrets) {
        return node.spec().k3s() == null || node.spec().k3s().role() == null ? new byte[0] : yaml(k3sConfig(node, secrets));
    }

    private static Map<String, Object> metaData(ResolvedNode node, String instanceId) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("instance-id", instanceId);
        meta.put("local-hostname", node.hostname());
        return meta;
    }

    /** @param k3sConfig the rendered k3s config file, empty when the node runs no k3s */
    private Map<String, Object> userData(ResolvedNode node, NodeSecrets secrets, PhoneHomeKeys keys, byte[] k3sConfig) {
        NodeSpec spec = node.spec();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("hostname", node.hostname());
        doc.put("fqdn", node.fqdn());
        doc.put("prefer_fqdn_over_hostname", false);
        doc.put("manage_etc_hosts", true);
        if (spec.timezone() != null) {
            doc.put("timezone", spec.timezone());
        }
        if (spec.ntp() != null && !spec.ntp().isEmpty()) {
            doc.put("ntp", ordered("enabled", true, "servers", spec.ntp()));
        }
        if (spec.users() == null || spec.users().isEmpty()) {
            doc.put("users", List.of("default"));
            if (spec.sshAuthorizedKeys() != null) {
                doc.put("ssh_authorized_keys", spec.sshAuthorizedKeys());
            }
        } else {
            doc.put("users", users(spec, secrets));
        }
        doc.put("ssh_pwauth", false);
        doc.put("disable_root", true);
        if (spec.packages() != null && !spec.packages().isEmpty()) {
            doc.put("packages", spec.packages());
        }
        List<Map<String, Object>> writeFiles = new ArrayList<>();
        List<Object> runcmd = new ArrayList<>();
        if (k3sConfig.length > 0) {
            writeFiles.add(writeFile(K3S_CONFIG_PATH, "0600", "root:root", new String(k3sConfig, StandardCharsets.UTF_8)));
        }
        if (spec.journald() != null && !spec.journald().isEmpty()) {
            StringBuilder dropIn = new StringBuilder("[Journal]\n");
            spec.journald().forEach((k, v) -> dropIn.append(k).append('=').append(v).append('\n'));
            writeFiles.add(writeFile(JOURNALD_DROP_IN, "0644", "root:root", dropIn.toString()));
            runcmd.add(List.of("systemctl", "restart", "systemd-journald"));
        }
        List<NodeSpec.Disk> disks = spec.longhorn() == null || spec.longhorn().disks() == null
                ? List.of() : spec.longhorn().disks();
        if (!disks.isEmpty()) {
            doc.put("mounts", disks.stream().map(d -> List.of("UUID=" + d.uuid(), d.mountPoint(), filesystem(d),
                    "defaults,nofail,x-systemd.device-timeout=10s", "0", "2")).toList());
            writeFiles.add(writeFile(LONGHORN_SCRIPT, "0755", "root:root", longhornCheck(disks)));
            runcmd.add(List.of(LONGHORN_SCRIPT));
        }
        if (spec.files() != null) {
            Map<String, Object> context = templateContext(node, secrets);
            spec.files().forEach((path, f) -> writeFiles.add(writeFile(path,
                    f.permissions() != null ? f.permissions() : "0644",
                    f.owner() != null ? f.owner() : "root:root",
                    fileContent(node, path, f.content(), context))));
        }
        if (spec.k3s() != null && spec.k3s().role() != null) {
            runcmd.add(List.of("sh", "-c", k3sInstall(spec.k3s())));
        }
        if (!writeFiles.isEmpty()) {
            doc.put("write_files", writeFiles);
        }
        if (!runcmd.isEmpty()) {
            doc.put("runcmd", runcmd);
        }
        Map<String, Object> phoneHome = new LinkedHashMap<>();
        phoneHome.put("url", phoneHomeUrl(node, keys));
        phoneHome.put("post", List.of("instance_id", "hostname", "fqdn"));
        phoneHome.put("tries", 10);
        doc.put("phone_home", phoneHome);
        // cloud-init's own events (its stages, and any module that fails) go to the node's timeline, under the
        // same key as phone-home, so only the seed's holder can write there.
        doc.put("reporting", ordered("metis", ordered("type", "webhook", "endpoint",
                urls.cloudInitReport(node.spec().mac(), keys.keyFor(node.name()).reveal()))));
        Map<String, Object> withInventory = spec.cloudInit() == null ? doc : CloudConfigMerge.merge(node.name(),
                "cloud_init", doc, spec.cloudInit(), path -> whereWritten(node, path));
        Optional<Map<String, Object>> extra = secrets.revealCloudInit();
        return extra.isEmpty() ? withInventory : CloudConfigMerge.merge(node.name(),
                "cloud_init from the secret source", withInventory, extra.get(), path -> "");
    }

    /**
     * Where the inventory wrote {@code cloud_init.<path>} (or the first value under it), as
     * {@code " in class base (inventory.yaml:12:7)"}; a list item is where its list was written. The
     * file without its directory: the message is also an HTTP answer, and the server's layout is no
     * client's business.
     */
    private static String whereWritten(ResolvedNode node, String refusedPath) {
        String key = "cloud_init." + refusedPath.replaceAll("\\[\\d+]$", "");
        return node.provenance().entrySet().stream()
                .filter(e -> {
                    String unquoted = e.getKey().replace("\"", "");
                    return unquoted.equals(key) || unquoted.startsWith(key + ".");
                })
                .findFirst().map(e -> {
                    Origin origin = e.getValue();
                    return " in " + origin.layer() + " (" + origin.pos().file().getFileName() + ":"
                            + origin.pos().line() + ":" + origin.pos().column() + ")";
                }).orElse("");
    }

    private static List<Object> users(NodeSpec spec, NodeSecrets secrets) {
        List<Object> users = new ArrayList<>();
        spec.users().forEach((name, user) -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", name);
            if (user.groups() != null && !user.groups().isEmpty()) {
                entry.put("groups", String.join(", ", user.groups()));
            }
            entry.put("shell", user.shell() != null ? user.shell() : "/bin/bash");
            if (user.sudo() != null) {
                entry.put("sudo", user.sudo());
            }
            Optional<Secret> password = Boolean.TRUE.equals(user.password()) ? secrets.sshPassword() : Optional.empty();
            entry.put("lock_passwd", password.isEmpty());
            password.ifPresent(p -> entry.put("hashed_passwd", p.reveal()));
            List<String> keys = user.sshAuthorizedKeys() != null ? user.sshAuthorizedKeys() : spec.sshAuthorizedKeys();
            if (keys != null && !keys.isEmpty()) {
                entry.put("ssh_authorized_keys", keys);
            }
            users.add(entry);
        });
        return users;
    }

    private static Map<String, Object> k3sConfig(ResolvedNode node, NodeSecrets secrets) {
        NodeSpec.K3s k3s = node.spec().k3s();
        Map<String, Object> config = new LinkedHashMap<>();
        if (Boolean.TRUE.equals(k3s.clusterInit())) {
            config.put("cluster-init", true);
        } else {
            config.put("server", k3s.server());
        }
        secrets.k3sToken().ifPresent(token -> config.put("token", token.reveal()));
        config.put("node-name", node.hostname());
        if (node.spec().ip() != null) {
            // without it k3s takes the address of the default route's interface: the one DHCP gave
            config.put("node-ip", node.spec().ip().address().toString());
        }
        if (k3s.labels() != null && !k3s.labels().isEmpty()) {
            List<String> labels = new ArrayList<>();
            k3s.labels().forEach((k, v) -> labels.add(k + "=" + v));
            config.put("node-label", labels);
        }
        if (k3s.taints() != null && !k3s.taints().isEmpty()) {
            List<String> taints = new ArrayList<>();
            k3s.taints().forEach((k, v) -> taints.add(v.contains(":") ? k + "=" + v : k + ":" + v));
            config.put("node-taint", taints);
        }
        return config;
    }

    /** The official installer picks up {@value #K3S_CONFIG_PATH}; the role decides server or agent. */
    private static String k3sInstall(NodeSpec.K3s k3s) {
        String version = k3s.version() == null ? "" : "INSTALL_K3S_VERSION='" + k3s.version() + "' ";
        String exec = k3s.role() == K3sRole.SERVER ? "server" : "agent";
        // Downloaded first, not piped: "curl | sh" ends with sh's status, so a download that failed (no route,
        // no DNS) ran an empty script and cloud-init reported success on a node without k3s.
        return "command -v k3s >/dev/null || { curl -sfL " + K3S_INSTALL_SCRIPT + " -o /run/metis-k3s-install.sh && "
                + version + "INSTALL_K3S_EXEC='" + exec + "' sh /run/metis-k3s-install.sh; }";
    }

    /** Mounts each disk that is present and fails loudly for each that is not, so a missing disk is seen. */
    private static String longhornCheck(List<NodeSpec.Disk> disks) {
        StringBuilder script = new StringBuilder("#!/bin/sh\n# Written by Metis: mount Longhorn disks by UUID.\nmissing=0\n");
        for (NodeSpec.Disk disk : disks) {
            script.append("if [ -e /dev/disk/by-uuid/").append(disk.uuid()).append(" ]; then\n")
                    .append("  mkdir -p '").append(disk.mountPoint()).append("'\n")
                    .append("  mountpoint -q '").append(disk.mountPoint()).append("' || mount '")
                    .append(disk.mountPoint()).append("'\n")
                    .append("else\n")
                    .append("  echo \"metis: Longhorn disk UUID=").append(disk.uuid()).append(" for ")
                    .append(disk.mountPoint()).append(" is not present\" >&2\n")
                    .append("  missing=1\n")
                    .append("fi\n");
        }
        return script.append("exit $missing\n").toString();
    }

    private static String filesystem(NodeSpec.Disk disk) {
        return disk.filesystem() != null ? disk.filesystem() : "ext4";
    }

    private Map<String, Object> networkConfig(ResolvedNode node) {
        NodeSpec spec = node.spec();
        Map<String, Object> ethernet = new LinkedHashMap<>();
        // Matched by MAC and renamed, so the name in the rendered config always exists: without
        // set-name, cloud-init's networkd renderer would match on the YAML key as an interface name.
        String name = spec.networkInterface() != null ? spec.networkInterface() : DEFAULT_INTERFACE;
        ethernet.put("match", ordered("macaddress", spec.mac().toString()));
        ethernet.put("set-name", name);
        // A node without ip is in reservation mode: the site's DHCP server gives its address and route.
        ethernet.put("dhcp4", spec.ip() == null);
        if (spec.ip() != null) {
            ethernet.put("addresses", List.of(spec.ip().toString()));
        }
        if (spec.gateway() != null) {
            // "to: default" is refused by cloud-init before 23.x (Debian 12 ships 22.4)
            ethernet.put("routes", List.of(ordered("to", "0.0.0.0/0", "via", spec.gateway().toString())));
        }
        Map<String, Object> nameservers = new LinkedHashMap<>();
        if (spec.domain() != null) {
            nameservers.put("search", List.of(spec.domain()));
        }
        if (spec.dns() != null && !spec.dns().isEmpty()) {
            nameservers.put("addresses", spec.dns().stream().map(Object::toString).toList());
        }
        if (!nameservers.isEmpty()) {
            ethernet.put("nameservers", nameservers);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("version", 2);
        doc.put("ethernets", ordered(name, ethernet));
        return doc;
    }

    private byte[] ipxeScript(ResolvedNode node, String configHash, String seedToken) {
        if (node.installsImage()) {
            return installScript(node, configHash, seedToken);
        }
        NodeSpec.Netboot netboot = node.spec().netboot();
        if (netboot == null || netboot.kernel() == null) {
            return new byte[0];
        }
        List<Map<String, String>> initrds = new ArrayList<>();
        if (netboot.initrd() != null) {
            for (NodeSpec.BootAsset initrd : netboot.initrd()) {
                initrds.add(Map.of("name", initrd.fileName(), "url", urls.asset(initrd)));
            }
        }
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("name", node.name());
        context.put("nodeClass", node.nodeClass());
        context.put("fqdn", node.fqdn());
        context.put("configHash", configHash);
        context.put("kernelUrl", urls.asset(netboot.kernel()));
        context.put("initrds", initrds);
        context.put("cmdlineArgs", netboot.cmdline() == null || netboot.cmdline().isBlank() ? "" : " " + netboot.cmdline().trim());
        context.put("seedArguments", seedArguments(node, seedToken));
        return IPXE_TEMPLATE.execute(context).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Boots the recovery environment, which writes the node's image (its seed in it) to its disk: the
     * class's own kernel and command line are the installed system's business, not the recovery's.
     */
    private byte[] installScript(ResolvedNode node, String configHash, String seedToken) {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("name", node.name());
        context.put("nodeClass", node.nodeClass());
        context.put("fqdn", node.fqdn());
        context.put("configHash", configHash);
        context.put("disk", node.spec().install().disk());
        context.put("kernelUrl", urls.asset(NodeSpec.Install.RECOVERY_KERNEL));
        context.put("initrdUrl", urls.asset(NodeSpec.Install.RECOVERY_INITRD));
        context.put("installUrl", urls.installPrefix(node.spec().mac(), seedToken));
        return INSTALL_TEMPLATE.execute(context).getBytes(StandardCharsets.UTF_8);
    }

    /** One line, as the Pi firmware reads it: the class's arguments, then the seed. */
    private byte[] piCmdline(ResolvedNode node, String seedToken) {
        NodeSpec.Netboot netboot = node.spec().netboot();
        String arguments = netboot == null || netboot.cmdline() == null ? "" : netboot.cmdline().trim() + " ";
        return (arguments + seedArguments(node, seedToken) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The kernel arguments that make a netbooted cloud-init apply the node's seed. {@code nocloud-net}, not
     * {@code nocloud}: cloud-init 22.4 reads the latter as dsmode=local and then ignores a seed fetched in
     * its network stage. The network config rides on the command line too (gzipped, base64, as cloud-init's
     * {@code network-config=} takes it), because 22.4 never fetches {@code network-config} from an HTTP
     * seed, and the command line is the source cloud-init ranks first, before the network is up.
     */
    private String seedArguments(ResolvedNode node, String seedToken) {
        return "ds=nocloud-net;s=" + urls.seedPrefix(node.spec().mac(), seedToken)
                + " network-config=" + Base64.getEncoder().encodeToString(gzip(yaml(networkConfig(node))));
    }

    /** Deterministic (gzip's header time stays 0), so the boot file, like every rendering, is the same bytes each time. */
    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static Map<String, Object> templateContext(ResolvedNode node, NodeSecrets secrets) {
        NodeSpec spec = node.spec();
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("name", node.name());
        context.put("hostname", node.hostname());
        context.put("fqdn", node.fqdn());
        context.put("domain", spec.domain() == null ? "" : spec.domain());
        context.put("class", node.nodeClass());
        context.put("mac", spec.mac().toString());
        context.put("ip", spec.ip() == null ? "" : spec.ip().address().toString());
        context.put("cidr", spec.ip() == null ? "" : spec.ip().toString());
        context.put("gateway", spec.gateway() == null ? "" : spec.gateway().toString());
        context.put("arch", spec.arch() == null ? "" : spec.arch().toString());
        Map<String, Object> secretValues = new LinkedHashMap<>();
        secrets.k3sToken().ifPresent(s -> secretValues.put("k3s_token", s.reveal()));
        Map<String, String> extra = new LinkedHashMap<>();
        secrets.extra().forEach((k, v) -> extra.put(k, v.reveal()));
        secretValues.put("extra", secrets == PLACEHOLDERS ? ANY_EXTRA : extra);
        context.put("secrets", secretValues);
        return context;
    }

    private static String fileContent(ResolvedNode node, String path, String template, Map<String, Object> context) {
        try {
            return MUSTACHE.compile(template).execute(context);
        } catch (MustacheException e) {
            // jmustache messages name the template variable and line, never a value
            throw new IdentityException("node " + node.name() + ": files." + path + ": " + e.getMessage(), null);
        }
    }

    /**
     * A map that keeps the order it was given: {@code Map.of} iterates in an order that changes from one
     * JVM start to the next, which would make rendering non-deterministic.
     */
    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static Map<String, Object> writeFile(String path, String permissions, String owner, String content) {
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("path", path);
        file.put("owner", owner);
        file.put("permissions", permissions);
        file.put("content", content);
        return file;
    }

    private static byte[] cloudConfig(Map<String, Object> doc) {
        byte[] body = yaml(doc);
        byte[] header = "#cloud-config\n".getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[header.length + body.length];
        System.arraycopy(header, 0, out, 0, header.length);
        System.arraycopy(body, 0, out, header.length, body.length);
        return out;
    }

    private static byte[] yaml(Object doc) {
        try {
            return Mappers.yaml().writeValueAsBytes(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write YAML for plain maps", e);
        }
    }

    private static String sha256(byte[]... parts) {
        MessageDigest digest = Sha256.newDigest();
        for (byte[] part : parts) {
            digest.update(part);
            digest.update((byte) 0);
        }
        return Sha256.hex(digest);
    }

    private static Template template(String name) {
        try (InputStream in = IdentityRenderer.class.getResourceAsStream(name)) {
            return MUSTACHE.compile(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("missing template " + name, e);
        }
    }
}
