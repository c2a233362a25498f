package dev.metis.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.boot.SeedBindings.Reason;
import dev.metis.identity.PhoneHomeKeys;
import dev.metis.inventory.InventoryLoader;
import dev.metis.inventory.ResolvedNode;
import dev.metis.net.Ipv4;
import dev.metis.state.NodeState;
import dev.metis.state.NodeStatus;
import dev.metis.state.SeedBinding;
import dev.metis.testing.InventoryFixture;
import dev.metis.testing.LogCapture;
import dev.metis.testing.TestClock;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The binding rules alone: tokens, addresses, the window, phone-home and re-arming, with a hand-moved clock. */
class SeedBindingsTest {

    private static final Duration WINDOW = Duration.ofMinutes(30);
    private static final NodeStatus BOOTING = new NodeStatus(NodeState.BOOTING, "h", null, null, List.of());
    private static final InetAddress NODE = address("10.0.0.50");
    private static final InetAddress OTHER = address("10.0.0.66");
    private static final InetAddress STATIC_IP = address("192.0.2.21");
    private static final PhoneHomeKeys KEYS = new PhoneHomeKeys(new byte[32]);

    @TempDir
    java.nio.file.Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final List<String> refusals = new ArrayList<>();
    private final List<Collection<SeedBinding>> saved = new ArrayList<>();
    private int conflicts;
    private ResolvedNode node;
    private SeedBindings seeds;

    @BeforeEach
    void load() throws Exception {
        node = InventoryLoader.load(InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null)
                + InventoryFixture.TWO_NODES)).node("web-1").orElseThrow();
        seeds = bindings(List.of());
    }

    private SeedBindings bindings(Collection<SeedBinding> restored) {
        return new SeedBindings(restored, clock, WINDOW, KEYS, saved::add, new SeedBindings.Observer() {
            @Override
            public void refused(String file, Reason reason) {
                refusals.add(file + " " + reason.label());
            }

            @Override
            public void conflict() {
                conflicts++;
            }
        });
    }

    private static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private Optional<Reason> userData(String token, InetAddress from) {
        return seeds.checkUserData(node, BOOTING, token, from);
    }

    /** Proxy-DHCP saw the node's MAC take {@code address}: evidence that it boots there. */
    private boolean dhcp(InetAddress address) {
        return seeds.dhcpSeen(node, Ipv4.parse(address.getHostAddress()));
    }

    /** The token of a script served to {@code from}, or null when refused. */
    private String issue(String file, InetAddress from) {
        return seeds.issue(node, file, from).token();
    }

    /** The script served to where the node was seen booting. */
    private String booted(InetAddress from) {
        dhcp(from);
        return Objects.requireNonNull(issue("ipxe", from), "refused");
    }

    @Test
    void theNodeThatFetchedItsScriptGetsItsUserDataWithTheScriptsToken() {
        String token = booted(NODE);
        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        assertThat(userData(token, NODE)).isEmpty();
        assertThat(userData(token, NODE)).as("again, e.g. a retry").isEmpty();
        assertThat(refusals).isEmpty();
    }

    @Test
    void everythingElseIsRefusedWithItsReason() {
        String token = booted(NODE);
        assertThat(userData(null, NODE)).contains(Reason.NO_TOKEN);
        String wrong = (token.startsWith("x") ? "y" : "x") + token.substring(1); // "x" + the rest was the token 1 time in 64
        assertThat(userData(wrong, NODE)).contains(Reason.WRONG_TOKEN);
        assertThat(userData(token, OTHER)).contains(Reason.WRONG_ADDRESS);
        assertThat(seeds.checkUserData(node, new NodeStatus(NodeState.PROVISIONED, "h", "h", null, List.of()), token, NODE))
                .contains(Reason.NOT_ARMED);
        assertThat(refusals).containsExactly("user-data no-token", "user-data wrong-token", "user-data wrong-address",
                "user-data not-armed");
    }

    /**
     * Firmware boots from a DHCP address, then the netbooted kernel takes the node's static IP from the
     * network-config on its command line and fetches from there: its own address, until the first fetch.
     */
    @Test
    void theNodesStaticAddressFetchesTheSeedOfAScriptServedToItsDhcpAddress() {
        String token = booted(NODE);
        assertThat(userData(token, OTHER)).contains(Reason.WRONG_ADDRESS);
        assertThat(userData(token, STATIC_IP)).isEmpty();
        assertThat(userData(token, NODE)).as("pinned to the static IP by its fetch").contains(Reason.WRONG_ADDRESS);
        assertThat(userData(token, STATIC_IP)).isEmpty();
    }

    @Test
    void anIdleArmedNodesScriptGoesToNoAddressWithoutEvidence() {
        assertThat(issue("ipxe", OTHER)).as("first asker, never seen booting").isNull();
        assertThat(issue("cmdline.txt", NODE)).isNull();
        assertThat(refusals).containsExactly("ipxe no-evidence", "cmdline.txt no-evidence");
        assertThat(seeds.issue(node, "ipxe", OTHER).explanation(node)).contains("no-evidence")
                .contains("re-arm the node to reset the binding");
        assertThat(issue("ipxe", STATIC_IP)).as("the node's own static address is evidence").isNotNull();
        seeds.revoke(node.spec().mac());
        dhcp(OTHER);
        assertThat(issue("ipxe", OTHER)).as("proxy-DHCP saw the MAC take this address").isNotNull();
    }

    @Test
    void tokensAreNewForEveryScriptAndOnlyTheLatestOpens() {
        dhcp(NODE);
        Set<String> tokens = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            tokens.add(issue("ipxe", NODE));
        }
        assertThat(tokens).hasSize(100).doesNotContainNull();
        String latest = issue("ipxe", NODE);
        assertThat(userData(tokens.iterator().next(), NODE)).contains(Reason.WRONG_TOKEN);
        assertThat(userData(latest, NODE)).isEmpty();
    }

    @Test
    void theWindowClosesAndALaterBootOpensANewOne() {
        String token = booted(NODE);
        clock.advance(WINDOW.minusSeconds(1));
        assertThat(userData(token, NODE)).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(userData(token, NODE)).contains(Reason.EXPIRED);
        assertThat(issue("ipxe", OTHER)).as("the old sighting lapsed with its window").isNull();
        String next = booted(OTHER);
        assertThat(userData(next, OTHER)).as("the old binding lapsed with its window").isEmpty();
    }

    @Test
    void phoningHomeNeedsTheNodesKeyAndSpendsTheToken() {
        String token = booted(NODE);
        assertThat(seeds.phoneHome(node, null, OTHER)).contains(Reason.NO_KEY);
        byte[] otherSite = new byte[32];
        otherSite[0] = 1;
        assertThat(seeds.phoneHome(node, new PhoneHomeKeys(otherSite).keyFor("web-1").reveal(), OTHER))
                .as("a key under another site key").contains(Reason.WRONG_KEY);
        assertThat(seeds.phoneHome(node, KEYS.keyFor("n2").reveal(), OTHER)).as("another node's key")
                .contains(Reason.WRONG_KEY);
        assertThat(userData(token, NODE)).as("refused phone-homes spend nothing").isEmpty();
        assertThat(seeds.phoneHome(node, KEYS.keyFor("web-1").reveal(), NODE)).isEmpty();
        assertThat(userData(token, NODE)).contains(Reason.SPENT);
        assertThat(refusals).containsExactly("phone-home no-key", "phone-home wrong-key", "phone-home wrong-key",
                "user-data spent");
    }

    @Test
    void reArmingDropsTheToken() {
        String token = booted(NODE);
        seeds.revoke(node.spec().mac());
        assertThat(userData(token, NODE)).contains(Reason.WRONG_TOKEN);
        assertThat(booted(NODE)).isNotNull();
    }

    @Test
    void onceAnAddressIsBoundTheScriptGoesOnlyThere() {
        booted(NODE);
        assertThat(issue("ipxe", OTHER)).isNull();
        assertThat(issue("cmdline.txt", OTHER)).isNull();
        assertThat(refusals).containsExactly("ipxe wrong-address", "cmdline.txt wrong-address");
        assertThat(issue("ipxe", NODE)).isNotNull();
    }

    @Test
    void theBindingFollowsDhcpUntilUserDataIsFetched() {
        dhcp(OTHER);
        assertThat(issue("ipxe", NODE)).as("DHCP bound the MAC to 10.0.0.66").isNull();
        String token = issue("ipxe", OTHER);
        assertThat(dhcp(NODE)).as("the installer's own DHCP client took another address: no conflict").isFalse();
        assertThat(userData(token, OTHER)).contains(Reason.WRONG_ADDRESS);
        assertThat(userData(token, NODE)).isEmpty();
        assertThat(conflicts).isZero();
    }

    @Test
    void anotherAddressClaimingTheMacAfterTheFetchIsAConflictThatRefusesBoth() {
        String token = booted(NODE);
        assertThat(userData(token, NODE)).isEmpty();
        try (LogCapture logs = new LogCapture()) {
            assertThat(dhcp(OTHER)).as("a spoofed DHCPREQUEST").isTrue();
            assertThat(logs.text()).contains("seed conflict: at=2026-03-01T10:00:00Z node=web-1 mac=02:00:00:00:00:01 "
                    + "fetched-by=10.0.0.50 claimed-by=10.0.0.66");
        }
        int written = saved.size();
        assertThat(dhcp(OTHER)).as("the same claim again is the same conflict").isFalse();
        for (int i = 1; i <= 200; i++) {
            assertThat(dhcp(address("10.2.0." + i))).as("a flood of other claims").isFalse();
        }
        assertThat(saved).as("nothing more is written while the conflict stands").hasSize(written);
        assertThat(conflicts).isEqualTo(1);
        assertThat(seeds.conflict(node.spec().mac())).contains("10.0.0.66");
        assertThat(userData(token, NODE)).contains(Reason.CONFLICT);
        assertThat(userData(token, OTHER)).contains(Reason.CONFLICT);
        assertThat(issue("ipxe", OTHER)).isNull();
        assertThat(issue("ipxe", NODE)).isNull();
        assertThat(refusals).containsExactly("user-data conflict", "user-data conflict", "ipxe conflict", "ipxe conflict");
        seeds = bindings(saved.get(saved.size() - 1));
        assertThat(userData(token, NODE)).as("the conflict outlives a restart").contains(Reason.CONFLICT);
        seeds.revoke(node.spec().mac());
        assertThat(seeds.conflict(node.spec().mac())).isEmpty();
        assertThat(booted(NODE)).as("re-armed: a new boot starts afresh").isNotNull();
    }

    @Test
    void theStaticAddressSeesNoConflictFromItsOwnSighting() {
        String token = booted(NODE);
        assertThat(userData(token, NODE)).isEmpty();
        assertThat(dhcp(NODE)).isFalse();
        assertThat(userData(token, NODE)).isEmpty();
    }

    @Test
    void whatDhcpSawLongAgoIsNoEvidence() {
        dhcp(OTHER);
        clock.advance(WINDOW);
        assertThat(issue("ipxe", OTHER)).isNull();
        String token = issue("ipxe", STATIC_IP);
        assertThat(userData(token, STATIC_IP)).isEmpty();
        assertThat(userData(token, OTHER)).contains(Reason.WRONG_ADDRESS);
    }

    @Test
    void aBindingWithoutAnAddressFallsBackToTheStaticIp() {
        Instant now = clock.instant();
        seeds = bindings(List.of(SeedBinding.none(node.spec().mac().toString()).withToken("restored-token", now, null)));
        assertThat(userData("restored-token", STATIC_IP)).isEmpty();
        assertThat(userData("restored-token", NODE)).contains(Reason.WRONG_ADDRESS);
    }

    @Test
    void aNodeWithoutStaticIpHasOnlyItsDhcpSightingsAsEvidence() throws Exception {
        node = InventoryLoader.load(InventoryFixture.write(dir, "dhcp.yaml", InventoryFixture.site(null) + """
                classes:
                  c: {arch: amd64, delivery: netboot, netboot: {kernel: k}}
                nodes:
                  web-1: {class: c, mac: 02:00:00:00:00:01}
                """)).node("web-1").orElseThrow();
        for (InetAddress anyone : new InetAddress[] {OTHER, STATIC_IP, NODE}) {
            assertThat(issue("ipxe", anyone)).as(anyone.toString()).isNull();
        }
        assertThat(seeds.issue(node, "ipxe", NODE).explanation(node)).contains("no-evidence")
                .contains("which is all that counts for a node without a static IP").doesNotContain("not its static IP");
        String token = booted(NODE);
        assertThat(userData(token, NODE)).isEmpty();
        assertThat(userData(token, OTHER)).contains(Reason.WRONG_ADDRESS);
        // a binding restored without an address has no static IP to fall back to
        seeds = bindings(List.of(SeedBinding.none(node.spec().mac().toString()).withToken("restored", clock.instant(), null)));
        assertThat(userData("restored", NODE)).contains(Reason.WRONG_ADDRESS);
    }

    @Test
    void bindingsAreHandedOverAtEveryChangeAndRestoredAfterARestart() {
        dhcp(NODE);
        String token = issue("ipxe", NODE);
        dhcp(NODE);
        assertThat(saved).as("a DHCP sighting, then the token; a repeated sighting is not written again").hasSize(2);
        seeds = bindings(saved.get(saved.size() - 1));
        assertThat(userData(token, NODE)).isEmpty();
        assertThat(saved).as("the first fetch pins the binding, and is kept").hasSize(3);
        seeds = bindings(saved.get(saved.size() - 1));
        seeds.phoneHome(node, KEYS.keyFor("web-1").reveal(), NODE);
        seeds.phoneHome(node, KEYS.keyFor("web-1").reveal(), NODE);
        assertThat(saved).hasSize(4);
        assertThat(saved.get(3)).singleElement().satisfies(b -> {
            assertThat(b.spent()).isTrue();
            assertThat(b.fetchedFrom()).isEqualTo("10.0.0.50");
        });
    }

    @Test
    void aFloodOfSpoofedDhcpSightingsIsWrittenAtMostOncePerInterval() {
        for (int i = 0; i < 2000; i++) {
            seeds.dhcpSeen(node, Ipv4.parse("10.1." + (i / 250) + "." + (i % 250 + 1)));
        }
        assertThat(saved).as("2000 new addresses within one interval").hasSize(1);
        clock.advance(SeedBindings.DHCP_SAVE_INTERVAL);
        dhcp(NODE);
        assertThat(saved).hasSize(2);
        assertThat(saved.get(1)).singleElement().satisfies(b -> assertThat(b.dhcpAddress()).isEqualTo("10.0.0.50"));
        String token = issue("ipxe", NODE);
        assertThat(saved).as("a token is always written at once").hasSize(3);
        assertThat(token).isNotNull();
    }

    @Test
    void refusalsAreAuditedWithTimeNodeAddressAndReasonButNoWholeToken() {
        String token = booted(NODE);
        try (LogCapture logs = new LogCapture()) {
            userData(token, OTHER);
            userData("bad token/with junk", OTHER);
            seeds.phoneHome(node, "not-the-key", OTHER);
            assertThat(logs.text()).contains("seed refused: at=2026-03-01T10:00:00Z node=web-1 mac=02:00:00:00:00:01 "
                    + "from=10.0.0.66 file=user-data reason=wrong-address token=" + token.substring(0, 6) + "...")
                    .contains("reason=wrong-token token=?")
                    .contains("file=phone-home reason=wrong-key")
                    .doesNotContain(token).doesNotContain("not-the-key");
        }
    }
}
