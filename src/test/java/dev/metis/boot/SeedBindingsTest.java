package dev.metis.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.boot.SeedBindings.Reason;
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

    @TempDir
    java.nio.file.Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final List<String> refusals = new ArrayList<>();
    private final List<Collection<SeedBinding>> saved = new ArrayList<>();
    private ResolvedNode node;
    private SeedBindings seeds;

    @BeforeEach
    void load() throws Exception {
        node = InventoryLoader.load(InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null)
                + InventoryFixture.TWO_NODES)).node("web-1").orElseThrow();
        seeds = bindings(List.of());
    }

    private SeedBindings bindings(Collection<SeedBinding> restored) {
        return new SeedBindings(restored, clock, WINDOW, saved::add, (file, reason) -> refusals.add(file + " " + reason.label()));
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

    @Test
    void theNodeThatFetchedItsScriptGetsItsUserDataWithTheScriptsToken() {
        String token = seeds.issue(node, "ipxe", NODE).orElseThrow();
        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        assertThat(userData(token, NODE)).isEmpty();
        assertThat(userData(token, NODE)).as("again, e.g. a retry").isEmpty();
        assertThat(refusals).isEmpty();
    }

    @Test
    void everythingElseIsRefusedWithItsReason() {
        String token = seeds.issue(node, "ipxe", NODE).orElseThrow();
        assertThat(userData(null, NODE)).contains(Reason.NO_TOKEN);
        String wrong = (token.startsWith("x") ? "y" : "x") + token.substring(1); // "x" + the rest was the token 1 time in 64
        assertThat(userData(wrong, NODE)).contains(Reason.WRONG_TOKEN);
        assertThat(userData(token, OTHER)).contains(Reason.WRONG_ADDRESS);
        assertThat(seeds.checkUserData(node, new NodeStatus(NodeState.PROVISIONED, "h", "h", null, List.of()), token, NODE))
                .contains(Reason.NOT_ARMED);
        assertThat(refusals).containsExactly("user-data no-token", "user-data wrong-token", "user-data wrong-address",
                "user-data not-armed");
    }

    @Test
    void tokensAreNewForEveryScriptAndOnlyTheLatestOpens() {
        Set<String> tokens = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            tokens.add(seeds.issue(node, "ipxe", NODE).orElseThrow());
        }
        assertThat(tokens).hasSize(100);
        String latest = seeds.issue(node, "ipxe", NODE).orElseThrow();
        assertThat(userData(tokens.iterator().next(), NODE)).contains(Reason.WRONG_TOKEN);
        assertThat(userData(latest, NODE)).isEmpty();
    }

    @Test
    void theWindowClosesAndALaterScriptOpensANewOne() {
        String token = seeds.issue(node, "ipxe", NODE).orElseThrow();
        clock.advance(WINDOW.minusSeconds(1));
        assertThat(userData(token, NODE)).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(userData(token, NODE)).contains(Reason.EXPIRED);
        String next = seeds.issue(node, "ipxe", OTHER).orElseThrow();
        assertThat(userData(next, OTHER)).as("the old binding lapsed with its window").isEmpty();
    }

    @Test
    void phoningHomeSpendsTheTokenAndReArmingDropsIt() {
        String token = seeds.issue(node, "ipxe", NODE).orElseThrow();
        seeds.spend(node.spec().mac());
        assertThat(userData(token, NODE)).contains(Reason.SPENT);
        String second = seeds.issue(node, "ipxe", NODE).orElseThrow();
        seeds.revoke(node.spec().mac());
        assertThat(userData(second, NODE)).contains(Reason.WRONG_TOKEN);
        assertThat(seeds.issue(node, "ipxe", OTHER)).as("re-armed: the script goes to the node's new address").isPresent();
    }

    @Test
    void onceAnAddressIsBoundTheScriptGoesOnlyThere() {
        seeds.issue(node, "ipxe", NODE).orElseThrow();
        assertThat(seeds.issue(node, "ipxe", OTHER)).isEmpty();
        assertThat(seeds.issue(node, "cmdline.txt", OTHER)).isEmpty();
        assertThat(refusals).containsExactly("ipxe wrong-address", "cmdline.txt wrong-address");
        assertThat(seeds.issue(node, "ipxe", NODE)).isPresent();
    }

    @Test
    void whatDhcpSawWinsOverWhereTheScriptWentWhileItIsRecent() {
        seeds.dhcpSeen(node.spec().mac(), Ipv4.parse("10.0.0.66"));
        assertThat(seeds.issue(node, "ipxe", NODE)).as("DHCP bound the MAC to 10.0.0.66").isEmpty();
        String token = seeds.issue(node, "ipxe", OTHER).orElseThrow();
        assertThat(userData(token, OTHER)).isEmpty();
        seeds.dhcpSeen(node.spec().mac(), Ipv4.parse("10.0.0.50"));
        assertThat(userData(token, OTHER)).as("the installer took another address").contains(Reason.WRONG_ADDRESS);
        assertThat(userData(token, NODE)).isEmpty();
    }

    @Test
    void whatDhcpSawLongAgoBindsNothing() {
        seeds.dhcpSeen(node.spec().mac(), Ipv4.parse("10.0.0.66"));
        clock.advance(WINDOW);
        String token = seeds.issue(node, "ipxe", NODE).orElseThrow();
        assertThat(userData(token, NODE)).isEmpty();
        assertThat(userData(token, OTHER)).contains(Reason.WRONG_ADDRESS);
    }

    @Test
    void aBindingWithoutAnAddressFallsBackToTheStaticIp() {
        Instant now = clock.instant();
        seeds = bindings(List.of(SeedBinding.none(node.spec().mac().toString()).withToken("restored-token", now, null)));
        assertThat(userData("restored-token", address("192.0.2.21"))).isEmpty();
        assertThat(userData("restored-token", NODE)).contains(Reason.WRONG_ADDRESS);
    }

    @Test
    void bindingsAreHandedOverAtEveryChangeAndRestoredAfterARestart() {
        String token = seeds.issue(node, "ipxe", NODE).orElseThrow();
        seeds.dhcpSeen(node.spec().mac(), Ipv4.parse("10.0.0.50"));
        seeds.dhcpSeen(node.spec().mac(), Ipv4.parse("10.0.0.50"));
        assertThat(saved).as("a repeated DHCP sighting is not written again").hasSize(2);
        seeds = bindings(saved.get(saved.size() - 1));
        assertThat(userData(token, NODE)).isEmpty();
        seeds.spend(node.spec().mac());
        seeds.spend(node.spec().mac());
        assertThat(saved).hasSize(3);
        assertThat(saved.get(2)).singleElement().satisfies(b -> assertThat(b.spent()).isTrue());
    }

    @Test
    void refusalsAreAuditedWithTimeNodeAddressAndReasonButNoWholeToken() {
        String token = seeds.issue(node, "ipxe", NODE).orElseThrow();
        try (LogCapture logs = new LogCapture()) {
            userData(token, OTHER);
            userData("bad token/with junk", OTHER);
            assertThat(logs.text()).contains("seed refused: at=2026-03-01T10:00:00Z node=web-1 mac=02:00:00:00:00:01 "
                    + "from=10.0.0.66 file=user-data reason=wrong-address token=" + token.substring(0, 6) + "...")
                    .contains("reason=wrong-token token=?")
                    .doesNotContain(token);
        }
    }
}
