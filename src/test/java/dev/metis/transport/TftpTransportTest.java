package dev.metis.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.tftp.FileCache;
import dev.metis.tftp.RootFiles;
import dev.metis.tftp.TftpCodec;
import dev.metis.tftp.TftpLimits;
import dev.metis.tftp.TftpObserver;
import dev.metis.tftp.TftpPacket;
import dev.metis.tftp.TftpService;
import dev.metis.tftp.TftpTransfer;
import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.commons.net.tftp.TFTP;
import org.apache.commons.net.tftp.TFTPClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transfer slots under hostile requests, on real loopback sockets: requests that are never acknowledged
 * (as from a spoofed address), asking for the longest timeout, must not keep other clients out.
 */
class TftpTransportTest {

    /** A client that never acknowledges anything would hold a slot for this long per retry. */
    private static final Map<String, String> LONGEST_TIMEOUT = Map.of("timeout", "255");

    @TempDir
    Path root;

    private byte[] file;
    private final List<String> refused = new CopyOnWriteArrayList<>();
    private final List<String> ended = new CopyOnWriteArrayList<>();

    @BeforeEach
    void files() throws Exception {
        file = new byte[100_000];
        new Random(8).nextBytes(file);
        Files.write(root.resolve("ipxe.efi"), file);
    }

    private TftpTransport start(TftpLimits limits) throws Exception {
        return start(new InetSocketAddress("127.0.0.1", 0), limits);
    }

    private TftpTransport start(InetSocketAddress address, TftpLimits limits) throws Exception {
        TftpService service = new TftpService(new RootFiles(root, new FileCache(1 << 20, 1 << 20)));
        return TftpTransport.start(address, service, limits, new TftpObserver() {
            @Override
            public void turnedAway(InetSocketAddress client, String reason) {
                refused.add(reason);
            }

            @Override
            public void refused(InetSocketAddress client, String fileName, String reason) {
                refused.add(reason);
            }

            @Override
            public void finished(InetSocketAddress client, String fileName, TftpTransfer transfer) {
                ended.add(transfer.outcome().toString());
            }
        });
    }

    @Test
    void oneAddressHoldsAtMost32TransfersAndAnotherAddressIsStillServed() throws Exception {
        TftpLimits noReclaim = new TftpLimits(TftpLimits.DEFAULT.maxTransfers(),
                TftpLimits.DEFAULT.maxPerClient(), Long.MAX_VALUE);
        try (TftpTransport server = start(noReclaim); DatagramSocket attacker = socketOn("127.0.0.3")) {
            List<String> answers = requestAndCollect(attacker, server, 40);
            assertThat(answers.stream().filter(a -> a.equals("oack")).count()).as(answers.toString()).isEqualTo(32);
            assertThat(answers.stream().filter(a -> a.equals("error server busy, try again")).count()).isEqualTo(8);
            assertThat(refused).containsOnly("client-busy").hasSize(8);

            assertThat(download("127.0.0.2", server)).isEqualTo(file);
        }
    }

    @Test
    void aRequestFindingNoFreeSlotTakesTheSlotOfTheLongestStalledTransfer() throws Exception {
        // Two addresses fill the server; each holds its quota.
        TftpLimits limits = new TftpLimits(16, 8, 500);
        try (TftpTransport server = start(limits); DatagramSocket first = socketOn("127.0.0.3");
                DatagramSocket second = socketOn("127.0.0.4")) {
            assertThat(requestAndCollect(first, server, 8)).containsOnly("oack");
            assertThat(requestAndCollect(second, server, 8)).containsOnly("oack");
            try (DatagramSocket early = socketOn("127.0.0.5")) {
                requestAndCollect(early, server, 1); // most likely refused: the stalled transfers are young yet
            }
            Thread.sleep(1000); // longer than reclaimAfterMillis: every transfer has now stalled that long

            assertThat(download("127.0.0.2", server)).as("the server was full").isEqualTo(file);
            assertThat(receive(first)).as("the longest stalled transfer is the first one started")
                    .isEqualTo("error timed out");
            List<String> answers = requestAndCollect(second, server, 1);
            answers.add(receive(second));
            assertThat(answers).as("an address at its quota takes its own stalled slot")
                    .containsExactlyInAnyOrder("oack", "error timed out");
            assertThat(refused).as("the early request only").isSubsetOf(List.of("busy"));
            assertThat(ended).filteredOn("TIMED_OUT"::equals).hasSize(2);
        }
    }

    private static DatagramSocket socketOn(String address) throws Exception {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(address, 0));
        socket.setSoTimeout(30_000); // generous: the machine may be loaded
        return socket;
    }

    /** Sends {@code count} read requests that will never be acknowledged; returns one answer per request. */
    private static List<String> requestAndCollect(DatagramSocket socket, TftpTransport server, int count) throws Exception {
        byte[] request = TftpCodec.encode(new TftpPacket.Request(false, "ipxe.efi", "octet", LONGEST_TIMEOUT));
        for (int i = 0; i < count; i++) {
            socket.send(new DatagramPacket(request, request.length, server.localAddress()));
        }
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            answers.add(receive(socket));
        }
        return answers;
    }

    private static String receive(DatagramSocket socket) throws Exception {
        DatagramPacket answer = new DatagramPacket(new byte[1500], 1500);
        socket.receive(answer);
        if (answer.getData()[1] == TftpPacket.OACK) {
            return "oack";
        }
        TftpPacket packet = TftpCodec.decode(answer.getData(), answer.getLength()).orElseThrow();
        return packet instanceof TftpPacket.Error error ? "error " + error.message() : packet.toString();
    }

    private static byte[] download(String from, TftpTransport server) throws Exception {
        TFTPClient client = new TFTPClient();
        client.setDefaultTimeout(java.time.Duration.ofSeconds(5));
        client.open(0, InetAddress.getByName(from));
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            client.receiveFile("ipxe.efi", TFTP.BINARY_MODE, out, server.localAddress().getAddress(),
                    server.localAddress().getPort());
            return out.toByteArray();
        } finally {
            client.close();
        }
    }

    @Test
    void aPortHeldByAnotherServerIsNamedWithItsAddress() throws Exception {
        try (DatagramSocket other = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            assertThatThrownBy(() -> start(new InetSocketAddress("127.0.0.1", other.getLocalPort()), TftpLimits.DEFAULT))
                    .hasMessageStartingWith("cannot listen for TFTP on UDP 127.0.0.1:" + other.getLocalPort() + ": ")
                    .hasMessageContaining("another TFTP server");
        }
    }
}
