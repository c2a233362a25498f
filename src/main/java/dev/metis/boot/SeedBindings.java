package dev.metis.boot;

import dev.metis.inventory.ResolvedNode;
import dev.metis.net.Ipv4;
import dev.metis.net.MacAddress;
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
 * <li>every script served for a node (iPXE script, Pi {@code cmdline.txt}) carries a new random token in
 * its seed URL, {@code /nocloud/<mac>/<token>/}, and only the latest token opens user-data;</li>
 * <li>only while the node is armed, within {@code window} of the script being served, and until the node
 * phones home (the token is spent);</li>
 * <li>only for the address bound to the MAC: the one proxy-DHCP last saw it ask the site's DHCP server
 * for (if seen within the window), else the one that fetched the script, else the node's static IP;</li>
 * <li>once an address is bound, the script itself goes to that address only.</li>
 * </ul>
 * Refusals are written to the {@code metis.audit} log and reported to the observer. Decides from its own
 * bindings and its clock; each change is handed to {@code persist} before the method returns.
 */
public final class SeedBindings {

    private static final Logger AUDIT = LoggerFactory.getLogger("metis.audit");
    /** 256 bits, so that the short hints in logs leave far more than enough unknown. */
    private static final int TOKEN_BYTES = 32;
    private static final int HINT_LENGTH = 6;

    /** Why a script or user-data was refused; {@link #label()} is the metric label and audit word. */
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
        WRONG_ADDRESS;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** Told of every refusal, for metrics. */
    public interface Observer {
        void refused(String file, Reason reason);
    }

    private final Map<String, SeedBinding> bindings = new LinkedHashMap<>();
    private final Clock clock;
    private final Duration window;
    private final Consumer<Collection<SeedBinding>> persist;
    private final Observer observer;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param restored what {@code persist} was last given, to carry bindings across a restart
     * @param window   how long after its script was served a node may fetch its user-data
     */
    public SeedBindings(Collection<SeedBinding> restored, Clock clock, Duration window,
            Consumer<Collection<SeedBinding>> persist, Observer observer) {
        restored.forEach(b -> bindings.put(b.mac(), b));
        this.clock = clock;
        this.window = window;
        this.persist = persist;
        this.observer = observer;
    }

    /** Proxy-DHCP saw the MAC ask the site's DHCP server for {@code address}. */
    public synchronized void dhcpSeen(MacAddress mac, Ipv4 address) {
        SeedBinding known = binding(mac);
        bindings.put(mac.toString(), known.withDhcp(address.toString(), clock.instant()));
        // A DHCP flood must not turn into a flood of disk writes: only a new address is worth keeping.
        if (!address.toString().equals(known.dhcpAddress())) {
            save();
        }
    }

    /**
     * A new token for a script of {@code node} about to be served to {@code from}; empty (refused and
     * audited) when another address is bound to the node's MAC. The previous token stops working.
     *
     * @param file what is served, for the audit log and metrics: {@code ipxe} or {@code cmdline.txt}
     */
    public synchronized Optional<String> issue(ResolvedNode node, String file, InetAddress from) {
        Instant now = clock.instant();
        SeedBinding known = binding(node.spec().mac());
        Optional<String> bound = boundAddress(known, now);
        if (bound.isPresent() && !bound.get().equals(from.getHostAddress())) {
            refuse(node, file, from, Reason.WRONG_ADDRESS, null, now);
            return Optional.empty();
        }
        byte[] bytes = new byte[TOKEN_BYTES];
        random.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        bindings.put(known.mac(), known.withToken(token, now, from.getHostAddress()));
        save();
        return Optional.of(token);
    }

    /**
     * Whether {@code node}'s user-data may go to {@code from}, who presented {@code token} (null when the
     * URL had none): empty if so, else the reason, which is audited.
     */
    public synchronized Optional<Reason> checkUserData(ResolvedNode node, NodeStatus status, String token,
            InetAddress from) {
        Instant now = clock.instant();
        Reason refused = refusal(node, status, binding(node.spec().mac()), token, from, now);
        if (refused != null) {
            refuse(node, "user-data", from, refused, token, now);
        }
        return Optional.ofNullable(refused);
    }

    private Reason refusal(ResolvedNode node, NodeStatus status, SeedBinding known, String token, InetAddress from,
            Instant now) {
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
        if (!(BootPolicy.decide(Optional.of(node), status) instanceof BootDecision.Provision)) {
            return Reason.NOT_ARMED;
        }
        if (!within(known.issuedAt(), now)) {
            return Reason.EXPIRED;
        }
        String bound = boundAddress(known, now).orElse(node.spec().ip().address().toString());
        return bound.equals(from.getHostAddress()) ? null : Reason.WRONG_ADDRESS;
    }

    /** The node phoned home: its token opens nothing any more. */
    public synchronized void spend(MacAddress mac) {
        SeedBinding known = bindings.get(mac.toString());
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

    /**
     * The address bound to the MAC, if any: where DHCP last saw it, while that is recent, else where its
     * live token's script went.
     */
    private Optional<String> boundAddress(SeedBinding known, Instant now) {
        if (known.dhcpAddress() != null && within(known.dhcpSeenAt(), now)) {
            return Optional.of(known.dhcpAddress());
        }
        if (known.token() != null && !known.spent() && known.scriptFrom() != null && within(known.issuedAt(), now)) {
            return Optional.of(known.scriptFrom());
        }
        return Optional.empty();
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
