package dev.metis.identity;

import dev.metis.inventory.NodeSpec;
import dev.metis.net.MacAddress;

/**
 * The URL layout, in one place: the path templates of everything Metis hands to booting machines (read
 * by the HTTP route table), and the URLs built from them under the site's {@code server_url} (written
 * into DHCP answers, iPXE scripts, seeds and a Pi's {@code cmdline.txt}).
 * A template segment {@code {name}} is one path segment; {@code {name...}} is the rest of the path.
 */
public final class ServerUrls {

    public static final String CHAIN_SCRIPT = "/boot.ipxe";
    public static final String NODE_SCRIPT = "/ipxe/{mac}";
    /** The seed files without secrets, open to anyone. */
    public static final String SEED = "/nocloud/{mac}/{file}";
    /** The seed under this boot's token: the only place user-data is handed out. */
    public static final String TOKEN_SEED = "/nocloud/{mac}/{token}/{file}";
    public static final String PHONE_HOME = "/phone-home/{mac}/{key}";
    /** cloud-init's reporting webhook: its events, under the node's phone-home key. */
    public static final String CLOUD_INIT_REPORT = "/cloud-init/{mac}/{key}";
    /** What the recovery environment asks for under this boot's token: its plan, its image, its reports. */
    public static final String INSTALL_PLAN = "/install/{mac}/{token}/plan";
    public static final String INSTALL_IMAGE = "/install/{mac}/{token}/image";
    public static final String INSTALL_EVENT = "/install/{mac}/{token}/event";
    private static final String INSTALL = "/install/{mac}/{token}/";
    private static final String INSTALL_WITHOUT_TOKEN = "/install/{mac}/";
    public static final String ASSET = "/assets/{path...}";
    /**
     * A kernel or initrd Metis fetched by URL and checked, from its cache: by hash, with the file's own name
     * last, which iPXE names an initrd by.
     */
    public static final String FETCHED = "/fetched/{sha256}/{file}";
    /** The iPXE binaries of the TFTP root, for UEFI HTTP boot. */
    public static final String FIRMWARE = "/tftp/{path...}";

    private final String base;

    public ServerUrls(String serverUrl) {
        this.base = serverUrl.replaceFirst("/+$", "");
    }

    /** What DHCP tells a client that already runs iPXE to load. */
    public String chainScript() {
        return base + CHAIN_SCRIPT;
    }

    /** The node script URL as the chain script writes it: iPXE puts in its own {@code ${mac}}. */
    public String nodeScriptForIpxe() {
        return base + fill(NODE_SCRIPT, "${mac}");
    }

    /**
     * The seed prefix cloud-init is pointed at with {@code ds=nocloud;s=...}; the trailing slash is
     * required. With a seed token it is the only prefix under which the server hands out user-data.
     */
    public String seedPrefix(MacAddress mac, String seedToken) {
        return base + (seedToken == null ? fill(SEED, mac.toString(), "") : fill(TOKEN_SEED, mac.toString(), seedToken, ""));
    }

    /**
     * The prefix the recovery environment is given with {@code metis.install=}; without a token (a rendering
     * shown outside a boot) it leads nowhere.
     */
    public String installPrefix(MacAddress mac, String seedToken) {
        return base + (seedToken == null ? fill(INSTALL_WITHOUT_TOKEN, mac.toString()) : fill(INSTALL, mac.toString(), seedToken));
    }

    public String phoneHome(MacAddress mac, String key) {
        return base + fill(PHONE_HOME, mac.toString(), key);
    }

    public String cloudInitReport(MacAddress mac, String key) {
        return base + fill(CLOUD_INIT_REPORT, mac.toString(), key);
    }

    /**
     * Where iPXE fetches a kernel or initrd: a boot-assets path and a URL with its hash from Metis, a URL
     * without one from where it points.
     */
    public String asset(NodeSpec.BootAsset asset) {
        if (asset.fetchedByMetis()) {
            return base + fill(FETCHED, asset.sha256(), asset.fileName());
        }
        if (asset.url() != null) {
            return asset.url();
        }
        return base + fill(ASSET, asset.path().replaceFirst("^/+", ""));
    }

    /** A file of the TFTP root over HTTP, for firmware that boots by HTTP. */
    public String firmware(String fileName) {
        return base + fill(FIRMWARE, fileName);
    }

    /** The template with its placeholders replaced, in order, by {@code values}. */
    static String fill(String template, String... values) {
        StringBuilder out = new StringBuilder();
        int next = 0;
        int from = 0;
        for (int open = template.indexOf('{'); open >= 0; open = template.indexOf('{', from)) {
            out.append(template, from, open).append(values[next++]);
            from = template.indexOf('}', open) + 1;
        }
        if (next != values.length) {
            throw new IllegalArgumentException(template + " takes " + next + " values, not " + values.length);
        }
        return out.append(template, from, template.length()).toString();
    }
}
