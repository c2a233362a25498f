package dev.metis.boot;

import dev.metis.identity.PhoneHomeKeys;
import dev.metis.inventory.ResolvedNode;
import dev.metis.net.Ipv4;
import dev.metis.net.MacAddress;
import dev.metis.state.NodeState;
import dev.metis.state.NodeStatus;
import dev.metis.state.SeedBinding;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives a node's secret-bearing user-data only to the machine that is booting as that node. Anyone on
 * the provisioning network can claim any MAC address, so the MAC alone opens nothing:
 * <ul>
 * <li>a node's script (iPXE script, Pi {@code cmdline.txt}) goes only to an address there is evidence for:
 * proxy-DHCP saw the MAC ask the site's DHCP server for it within the window, or it is the node's static
 * IP (a node without {@code ip} has none). Whoever merely asks first gets nothing;</li>
 * <li>every script carries a new random token in its seed URL, {@code /nocloud/<mac>/<token>/}, and only
 * the latest token opens user-data;</li>
 * <li>only while the node is armed, within {@code window} of the script being served, and until the node
 * phones home (the token is spent);</li>
 * <li>only for the address bound to the MAC: the one that first fetched user-data with the token, else the
 * one proxy-DHCP last saw (if within the window), else the one that fetched the script, else the static IP.
 * The binding may follow the MAC's DHCP address (the installer's own DHCP client may be given another
 * address than the firmware), or move to the node's static IP (which the installer takes from its
 * network-config), only until user-data is first fetched; another address claiming the MAC after that is
 * a conflict, which refuses every address until the node is re-armed;</li>
 * <li>phone-home needs the node's phone-home key, which only its user-data carries.</li>
 * </ul>
 * Refusals and conflicts are written to the {@code metis.audit} log and reported to the observer. Decides
 * from its own bindings and its clock; each change is handed to {@code persist} before the method returns,
 * but DHCP sightings at most once per {@link #DHCP_SAVE_INTERVAL}, so a flood of spoofed requests does not
 * become a flood of disk writes.
 */
public final class SeedBindings {

    private static final Logger AUDIT = LoggerFactory.getLogger("metis.audit");
    /** 256 bits, so that the short hints in logs leave far more than enough unknown. */
    private static final int TOKEN_BYTES = 32;
    private static final int HINT_LENGTH = 6;
    /** How often DHCP sightings alone may be written; anything else written meanwhile carries them along. */
    static final Duration DHCP_SAVE_INTERVAL = Duration.ofSeconds(1);
    /** What a refused phone-home is logged and counted as, beside the files. */
    public static final String PHONE_HOME = "phone-home";
    /** What the recovery environment's requests are logged and counted as. */
    public static final String INSTALL_PLAN = "install-plan";
    public static final String INSTALL_IMAGE = "install-image";
    public static final String INSTALL_EVENT = "install-event";
    /** What a refused cloud-init report is logged and counted as. */
    public static final String CLOUD_INIT_REPORT = "cloud-init-report";

    /** Why a script, user-data or phone-home was refused; {@link #label()} is the metric label and audit word. */
    public enum Reason {
        /** user-data asked for under the seed URL without a token */
        NO_TOKEN,
        /** not the token of the node's latest script */
        WRONG_TOKEN,
        /** the node phoned home after its script was served */
        SPENT,
        /** the node is provisioned: nothing to install */
        NOT_ARMED,
        /** the window since the script was served has passed */
        EXPIRED,
        /** asked from another address than the one bound to the MAC */
        WRONG_ADDRESS,
        /** a script asked for from an address with no evidence that the node boots there */
        NO_EVIDENCE,
        /** two addresses claimed the MAC after its user-data was fetched: nobody gets it until re-armed */
        CONFLICT,
        /** phone-home without the node's key */
        NO_KEY,
        /** phone-home with another key than the node's */
        WRONG_KEY;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** Told of every refusal and conflict, for metrics. */
    public interface Observer {
        void refused(String file, Reason reason);

        default void conflict() {
        }
    }

    private final Map<String, SeedBinding> bindings = new LinkedHashMap<>();
    private final Clock clock;
    private final Duration window;
    private final PhoneHomeKeys phoneHomeKeys;
    private final Consumer<Collection<SeedBinding>> persist;
    private final Observer observer;
    private final SecureRandom random = new SecureRandom();
    private Instant lastDhcpSave = Instant.MIN;

    /**
     * @param restored      what {@code persist} was last given, to carry bindings across a restart
     * @param window        how long after its script was served a node may fetch its user-data
     * @param phoneHomeKeys the keys nodes prove their phone-home with
     */
    public SeedBindings(Collection<SeedBinding> restored, Clock clock, Duration window, PhoneHomeKeys phoneHomeKeys,
            Consumer<Collection<SeedBinding>> persist, Observer observer) {
        restored.forEach(b -> bindings.put(b.mac(), b));
        this.clock = clock;
        this.window = window;
        this.phoneHomeKeys = phoneHomeKeys;
        this.persist = persist;
        this.observer = observer;
    }

    /**
     * Proxy-DHCP saw {@code node}'s MAC ask the site's DHCP server for {@code address}. True when this is a
     * new conflict: another address than the one that fetched the node's user-data claims the MAC, and no
     * conflict stands yet.
     */
    public synchronized boolean dhcpSeen(ResolvedNode node, Ipv4 address) {
        Instant now = clock.instant();
        SeedBinding known = binding(node.spec().mac());
        String claimed = address.toString();
        if (live(known, now) && known.fetchedFrom() != null && !known.fetchedFrom().equals(claimed)) {
            if (known.conflictWith() != null) {
                // One conflict stands until re-armed: further claims, however many addresses a flood
                // spoofs, write and log nothing more.
                return false;
            }
            bindings.put(known.mac(), known.inConflictWith(claimed));
            save();
            AUDIT.warn("seed conflict: at={} node={} mac={} fetched-by={} claimed-by={}; both are refused until the "
                    + "node is re-armed", now, node.name(), known.mac(), known.fetchedFrom(), claimed);
            observer.conflict();
            return true;
        }
        bindings.put(known.mac(), known.withDhcp(claimed, now));
        if (!claimed.equals(known.dhcpAddress()) && !now.isBefore(lastDhcpSave.plus(DHCP_SAVE_INTERVAL))) {
            lastDhcpSave = now;
            save();
        }
        return false;
    }

    /** A new seed token, or why there is none. */
    public record Issued(String token, Reason refused) {
        /** What the refused client is told: the reason and the way out, never a token. */
        public String explanation(ResolvedNode node) {
            String why = switch (refused) {
                case NO_EVIDENCE -> "proxy-DHCP has not seen it boot from this address, which is "
                        + (node.spec().ip() == null ? "all that counts for a node without a static IP"
                                : "not its static IP either");
                case CONFLICT -> "two addresses claimed its MAC after its seed was fetched";
                default -> "another address is bound to its MAC";
            };
            return "the script of node " + node.name() + " is refused to this address (" + refused.label() + "): "
                    + why + "; re-arm the node to reset the binding";
        }
    }

    /**
     * A new token for a script of {@code node} about to be served to {@code from}; refused (and audited)
     * when another address is bound to the node's MAC, or none is and there is no evidence that {@code from}
     * is the node. The previous token stops working.
     *
     * @param file what is served, for the audit log and metrics: {@code ipxe} or {@code cmdline.txt}
     */
    public synchronized Issued issue(ResolvedNode node, String file, InetAddress from) {
        Instant now = clock.instant();
        SeedBinding known = binding(node.spec().mac());
        String address = from.getHostAddress();
        Optional<String> bound = boundAddress(known, now);
        Reason refused = known.conflictWith() != null ? Reason.CONFLICT
                : bound.isPresent() ? (bound.get().equals(address) ? null : Reason.WRONG_ADDRESS)
                : staticAddress(node).filter(address::equals).isPresent() ? null : Reason.NO_EVIDENCE;
        if (refused != null) {
            refuse(node, file, from, refused, null, now);
            return new Issued(null, refused);
        }
        byte[] bytes = new byte[TOKEN_BYTES];
        random.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        bindings.put(known.mac(), known.withToken(token, now, address));
        save();
        return new Issued(token, null);
    }

    /**
     * Whether {@code node}'s user-data may go to {@code from}, who presented {@code token} (null when the
     * URL had none): empty if so, and the binding stays with {@code from} from now on; else the reason,
     * which is audited.
     */
    public synchronized Optional<Reason> checkUserData(ResolvedNode node, NodeStatus status, String token,
            InetAddress from) {
        return checkHolder(node, status, "user-data", token, from, false);
    }

    /**
     * Whether the recovery environment of an installing node, at {@code from} with {@code token}, may have
     * {@code file} (its plan, image ranges, or a report of its steps): by the same rules as user-data, since
     * the image carries the seed. Its last reports come after its verified install made the node
     * {@code installed}, so a report is taken then too, until the token is spent.
     *
     * @param file {@code install-plan}, {@code install-image} or {@code install-event}, for the audit log
     */
    public synchronized Optional<Reason> checkInstall(ResolvedNode node, NodeStatus status, String file, String token,
            InetAddress from) {
        return checkHolder(node, status, file, token, from, file.equals(INSTALL_EVENT));
    }

    private Optional<Reason> checkHolder(ResolvedNode node, NodeStatus status, String file, String token,
            InetAddress from, boolean installedToo) {
        Instant now = clock.instant();
        SeedBinding known = binding(node.spec().mac());
        Reason refused = refusal(node, status, known, token, from, now, installedToo);
        if (refused != null) {
            refuse(node, file, from, refused, token, now);
        } else if (known.fetchedFrom() == null) {
            bindings.put(known.mac(), known.fetchedBy(from.getHostAddress()));
            save();
        }
        return Optional.ofNullable(refused);
    }

    private Reason refusal(ResolvedNode node, NodeStatus status, SeedBinding known, String token, InetAddress from,
            Instant now, boolean installedToo) {
        if (token == null) {
            return Reason.NO_TOKEN;
        }
        if (known.token() == null || !MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
                known.token().getBytes(StandardCharsets.UTF_8))) {
            return Reason.WRONG_TOKEN;
        }
        if (known.spent()) {
            return Reason.SPENT;
        }
        if (!(BootPolicy.decide(Optional.of(node), status) instanceof BootDecision.Provision)
                && !(installedToo && status.state() == NodeState.INSTALLED)) {
            return Reason.NOT_ARMED;
        }
        if (!within(known.issuedAt(), now)) {
            return Reason.EXPIRED;
        }
        if (known.conflictWith() != null) {
            return Reason.CONFLICT;
        }
        String address = from.getHostAddress();
        // The node's static IP, until the first fetch pins the binding: a netbooted kernel takes it from the
        // network-config on its command line before it fetches, after its firmware booted from a DHCP address.
        // (Nothing bound and nothing fetched is the same case: the static IP is all there is.)
        boolean ownStaticAddress = known.fetchedFrom() == null && staticAddress(node).filter(address::equals).isPresent();
        return boundAddress(known, now).filter(address::equals).isPresent() || ownStaticAddress ? null : Reason.WRONG_ADDRESS;
    }

    /**
     * {@code node} phones home from {@code from} with {@code key} (null when the URL had none): empty, and
     * its token opens nothing any more, when the key is the node's; else the reason, which is audited.
     */
    public synchronized Optional<Reason> phoneHome(ResolvedNode node, String key, InetAddress from) {
        Instant now = clock.instant();
        Reason refused = key == null ? Reason.NO_KEY : phoneHomeKeys.opens(node.name(), key) ? null : Reason.WRONG_KEY;
        if (refused != null) {
            refuse(node, PHONE_HOME, from, refused, null, now);
            return Optional.of(refused);
        }
        spend(node);
        return Optional.empty();
    }

    /**
     * Whether a report of cloud-init's own (its reporting webhook) from {@code from} with {@code key} (null when
     * the URL had none) comes from the holder of the node's seed: empty if so; else the reason, which is audited.
     */
    public synchronized Optional<Reason> checkReporter(ResolvedNode node, String key, InetAddress from) {
        Reason refused = key == null ? Reason.NO_KEY : phoneHomeKeys.opens(node.name(), key) ? null : Reason.WRONG_KEY;
        if (refused != null) {
            refuse(node, CLOUD_INIT_REPORT, from, refused, null, clock.instant());
        }
        return Optional.ofNullable(refused);
    }

    /**
     * The node's seed token opens nothing any more: it phoned home, or its recovery environment is done and
     * reboots into the installed system (whose own DHCP address is then no conflict).
     */
    public synchronized void spend(ResolvedNode node) {
        SeedBinding known = bindings.get(node.spec().mac().toString());
        if (known != null && known.token() != null && !known.spent()) {
            bindings.put(known.mac(), known.spend());
            save();
        }
    }

    /** The node was re-armed: its next script, from whatever address it then has, starts afresh. */
    public synchronized void revoke(MacAddress mac) {
        SeedBinding known = bindings.get(mac.toString());
        if (known != null && known.token() != null) {
            bindings.put(known.mac(), known.revoke());
            save();
        }
    }

    /** The address that claimed the MAC against its binding, while that conflict stands. */
    public synchronized Optional<String> conflict(MacAddress mac) {
        return Optional.ofNullable(binding(mac).conflictWith());
    }

    /**
     * The address bound to the MAC, if any: the one that fetched its user-data, while its token lives;
     * else where DHCP last saw it, while that is recent; else where its live token's script went.
     */
    private Optional<String> boundAddress(SeedBinding known, Instant now) {
        boolean live = live(known, now);
        if (live && known.fetchedFrom() != null) {
            return Optional.of(known.fetchedFrom());
        }
        if (known.dhcpAddress() != null && within(known.dhcpSeenAt(), now)) {
            return Optional.of(known.dhcpAddress());
        }
        if (live && known.scriptFrom() != null) {
            return Optional.of(known.scriptFrom());
        }
        return Optional.empty();
    }

    private boolean live(SeedBinding known, Instant now) {
        return known.token() != null && !known.spent() && within(known.issuedAt(), now);
    }

    /** None for a node without {@code ip}: its address comes from DHCP, so only DHCP sightings are evidence. */
    private static Optional<String> staticAddress(ResolvedNode node) {
        return Optional.ofNullable(node.spec().ip()).map(ip -> ip.address().toString());
    }

    private boolean within(Instant since, Instant now) {
        return since != null && now.isBefore(since.plus(window));
    }

    private SeedBinding binding(MacAddress mac) {
        return bindings.getOrDefault(mac.toString(), SeedBinding.none(mac.toString()));
    }

    private void refuse(ResolvedNode node, String file, InetAddress from, Reason reason, String token, Instant now) {
        AUDIT.warn("seed refused: at={} node={} mac={} from={} file={} reason={}{}", now, node.name(),
                node.spec().mac(), from.getHostAddress(), file, reason.label(), token == null ? "" : " token=" + hint(token));
        observer.refused(file, reason);
    }

    private void save() {
        persist.accept(List.copyOf(bindings.values()));
    }

    /**
     * A token as logs may show it: its first characters, enough to tell tokens apart, far too few to use.
     * Anything else a client sent in its place is shown as {@code ?}.
     */
    public static String hint(String token) {
        if (!token.matches("[A-Za-z0-9_-]+")) {
            return "?";
        }
        return token.substring(0, Math.min(HINT_LENGTH, token.length())) + "...";
    }
}
