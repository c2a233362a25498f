package dev.metis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.ExternalTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/dev/impair-wire} on its own, the wire the fault tests rely on: numbered UDP datagrams of
 * many sizes cross it from one network namespace to another. Exactly the ones it says it forwarded
 * arrive, each intact and once; the ones it says it reordered arrive after a later one; and the same
 * seed drops the same datagrams again.
 */
class ImpairWireIT {

    private static final int DATAGRAMS = 3000;
    private static final String NS = "mw" + ProcessHandle.current().pid() % 10000;
    private static final Path WIRE = Path.of("deploy/dev/impair-wire").toAbsolutePath();
    // Datagram n: its number, then bytes that depend on it, 4 to 1403 bytes long in all.
    private static final String DATAGRAM = """
            import socket, sys, time
            def datagram(n):
                return n.to_bytes(4, "big") + bytes((n + i) % 251 for i in range(n * 37 % 1400))
            """;
    // Prints each datagram's number as it arrives ("corrupt N" if its bytes are wrong); ends once it has as many
    // as the number the test writes on its stdin, the count the wire says it forwarded: no clock decides the end.
    private static final String RECEIVE = DATAGRAM + """
            import select
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)  # SO_RCVBUFFORCE: every datagram fits
            s.bind(("10.99.0.2", 9000))
            print("listening", flush=True)
            expected, received = None, 0
            while expected is None or received < expected:
                ready, _, _ = select.select([s, sys.stdin], [], [])
                if sys.stdin in ready:
                    expected = int(sys.stdin.readline())
                if s in ready:
                    data = s.recv(2048)
                    n = int.from_bytes(data[:4], "big")
                    print(n if data == datagram(n) else f"corrupt {n}", flush=True)
                    received += 1
            """;
    private static final String SEND = DATAGRAM + """
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for n in range(int(sys.argv[1])):
                s.sendto(datagram(n), ("10.99.0.2", 9000))
                # Pauses longer than the wire holds a frame: one held just before is late, not overtaken.
                if n % 50 == 49:
                    time.sleep(0.01)
            """;

    @TempDir
    static Path dir;

    @BeforeAll
    static void namespaces() throws Exception {
        NetbootLab.requireRoot();
        for (String tool : List.of("ip", "python3", "ethtool")) {
            ExternalTool.require(tool);
        }
        for (String ns : List.of("a", "wire", "b")) {
            ip("netns", "add", NS + "-" + ns);
        }
        // a0 (10.99.0.1) in a -- a1, the wire, b1 -- b0 (10.99.0.2) in b; fixed neighbours, no IPv6, full
        // checksums: the datagrams are the only frames on the wire.
        for (String side : List.of("a", "b")) {
            String end = NS + "-" + side;
            ip("link", "add", side + "0", "address", mac(side), "netns", end, "type", "veth", "peer", "name", side + "1",
                    "netns", NS + "-wire");
            ip("-n", end, "addr", "add", side.equals("a") ? "10.99.0.1/24" : "10.99.0.2/24", "dev", side + "0");
            ip("-n", end, "neigh", "add", side.equals("a") ? "10.99.0.2" : "10.99.0.1", "lladdr",
                    mac(side.equals("a") ? "b" : "a"), "dev", side + "0", "nud", "permanent");
            ip("netns", "exec", end, "ethtool", "-K", side + "0", "tx", "off");
            up(end, side + "0");
            up(NS + "-wire", side + "1");
        }
    }

    private static void up(String ns, String link) throws Exception {
        ip("netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf." + link + ".disable_ipv6=1");
        ip("-n", ns, "link", "set", link, "up");
    }

    @AfterAll
    static void remove() throws Exception {
        for (String ns : List.of("a", "wire", "b")) {
            ExternalTool.run(dir, "ip", "netns", "del", NS + "-" + ns);
        }
    }

    @Test
    void dropsAndReordersWhatItSaysAndPassesTheRestIntact() throws Exception {
        Crossing first = cross(42);
        WireCounts counts = first.counts().get(0);
        assertThat(counts.direction()).isEqualTo("a1>b1");
        assertThat(counts.missed() + counts.failed()).as(counts.toString()).isZero();
        assertThat(counts.forwarded() + counts.dropped()).as(counts.toString()).isEqualTo(DATAGRAMS);
        assertThat(counts.dropped()).as(counts.toString()).isBetween(DATAGRAMS * 5L / 100, DATAGRAMS * 15L / 100);

        assertThat(first.arrived()).as("corrupt datagrams").allMatch(line -> !line.startsWith("corrupt"));
        List<Integer> arrived = first.arrived().stream().map(Integer::valueOf).toList();
        assertThat(arrived).as("each datagram at most once").doesNotHaveDuplicates();
        assertThat((long) arrived.size()).as(counts.toString()).isEqualTo(counts.forwarded());
        int highest = -1;
        int late = 0;
        for (int n : arrived) {
            late += n < highest ? 1 : 0;
            highest = Math.max(highest, n);
        }
        assertThat((long) late).as("datagrams after a later one; " + counts).isPositive().isEqualTo(counts.reordered());

        Crossing again = cross(42);
        WireCounts againCounts = again.counts().get(0);
        assertThat(againCounts.missed() + againCounts.failed()).as(againCounts.toString()).isZero();
        assertThat(again.lost()).as("the same seed drops the same datagrams").isEqualTo(first.lost());
    }

    /** What crossed the wire: each datagram's line in the order they arrived, and what the wire counted. */
    private record Crossing(List<String> arrived, List<WireCounts> counts) {
        Set<Integer> lost() {
            Set<Integer> lost = new TreeSet<>();
            Set<String> seen = new HashSet<>(arrived);
            for (int n = 0; n < DATAGRAMS; n++) {
                if (!seen.contains(Integer.toString(n))) {
                    lost.add(n);
                }
            }
            return lost;
        }
    }

    /** Sends every datagram from a to b through a wire that drops 10% and reorders 20%. */
    private static Crossing cross(int seed) throws Exception {
        Path wireOutput = dir.resolve("wire-" + seed + "-" + System.nanoTime() + ".out");
        Process wire = new ProcessBuilder("ip", "netns", "exec", NS + "-wire", WIRE.toString(), "--loss", "10",
                "--reorder", "20", "--seed", Integer.toString(seed), "a1", "b1")
                .redirectOutput(wireOutput.toFile()).redirectError(dir.resolve("wire.err").toFile()).start();
        Process receiver = new ProcessBuilder("ip", "netns", "exec", NS + "-b", "python3", "-c", RECEIVE)
                .redirectErrorStream(true).start();
        try {
            awaitLine(dir.resolve("wire.err"), "ready", wire);
            assertThat(new String(receiver.getInputStream().readNBytes("listening\n".length()))).isEqualTo("listening\n");
            CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return receiver.getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            ExternalTool.Result sent = ExternalTool.run(dir, "ip", "netns", "exec", NS + "-a", "python3", "-c", SEND,
                    Integer.toString(DATAGRAMS));
            assertThat(sent.exitCode()).as(sent.all()).isZero();
            // Stopped, the wire sends what it still holds and prints its counts.
            wire.destroy();
            assertThat(wire.waitFor(60, TimeUnit.SECONDS)).isTrue();
            List<WireCounts> counts = WireCounts.parse(Files.readString(wireOutput));
            receiver.getOutputStream().write((counts.get(0).forwarded() + "\n").getBytes(StandardCharsets.US_ASCII));
            receiver.getOutputStream().flush();
            // A datagram the wire forwarded that never arrives leaves the receiver waiting: that is a failure.
            assertThat(receiver.waitFor(120, TimeUnit.SECONDS)).as("every forwarded datagram arrived").isTrue();
            List<String> arrived = new String(output.get(), StandardCharsets.US_ASCII).lines().toList();
            return new Crossing(arrived, counts);
        } finally {
            receiver.destroyForcibly();
            wire.destroyForcibly();
        }
    }

    /** Waits for the line while the process lives; the bound only ends a hang, however slow the machine. */
    private static void awaitLine(Path file, String start, Process process) throws Exception {
        for (int i = 0; i < 1200; i++) {
            if (Files.readString(file).startsWith(start)) {
                return;
            }
            assertThat(process.isAlive()).as(Files.readString(file)).isTrue();
            Thread.sleep(50);
        }
        throw new AssertionError("no '" + start + "' from the wire: " + Files.readString(file));
    }

    private static String mac(String side) {
        return side.equals("a") ? "02:00:0a:63:00:01" : "02:00:0a:63:00:02";
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        ExternalTool.Result result = ExternalTool.run(dir, command.toArray(String[]::new));
        assertThat(result.exitCode()).as(String.join(" ", command) + ": " + result.all()).isZero();
    }
}
