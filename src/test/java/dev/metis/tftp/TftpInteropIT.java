package dev.metis.tftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.testing.ExternalTool;
import dev.metis.testing.ServerFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.apache.commons.net.tftp.TFTP;
import org.apache.commons.net.tftp.TFTPClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Real TFTP clients against {@code metis serve}: curl, atftp, tftp-hpa and commons-net. */
class TftpInteropIT {

    /** Larger than 65535 blocks of 512 bytes, so block numbers wrap. */
    private static final int BIG = 65_536 * 512 + 1000;
    private static final List<String> FILES = List.of("empty.bin", "512.bin", "1m.bin", "big.bin");

    @TempDir
    static Path dir;

    private static ServerFixture server;

    @BeforeAll
    static void start() throws Exception {
        server = new ServerFixture(dir);
        Random random = new Random(3);
        int[] sizes = {0, 512, 1 << 20, BIG};
        for (int i = 0; i < sizes.length; i++) {
            byte[] content = new byte[sizes[i]];
            random.nextBytes(content);
            Files.write(server.tftpRoot.resolve(FILES.get(i)), content);
        }
        Files.createDirectories(server.tftpRoot.resolve("sub"));
        Files.writeString(server.tftpRoot.resolve("sub/config.txt"), "arm_64bit=1\n");
        Files.writeString(dir.resolve("secret.txt"), "outside the root");
        server.start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static void assertSame(String name, Path downloaded) throws Exception {
        assertThat(downloaded).exists();
        assertThat(sha256(downloaded)).as(name).isEqualTo(sha256(server.tftpRoot.resolve(name)));
    }

    private static String url(String name) {
        return "tftp://127.0.0.1:" + server.tftpPort + "/" + name;
    }

    /**
     * Not the empty file: curl 7.88 (Debian 12) fails on a 0-byte TFTP download with "getpeername()
     * failed" against every server (dnsmasq too); the other clients cover it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"512.bin", "1m.bin", "big.bin"})
    void curlDownloadsEveryFileByteForByte(String name) throws Exception {
        Path curl = ExternalTool.require("curl");
        Path plain = dir.resolve("curl-512-" + name);
        Path big = dir.resolve("curl-1468-" + name);
        ExternalTool.Result r1 = ExternalTool.run(dir, curl.toString(), "-sS", "-o", plain.toString(), url(name));
        assertThat(r1.exitCode()).as(r1.all()).isZero();
        assertSame(name, plain);
        ExternalTool.Result r2 = ExternalTool.run(dir, curl.toString(), "-sS", "--tftp-blksize", "1468", "-o", big.toString(), url(name));
        assertThat(r2.exitCode()).as(r2.all()).isZero();
        assertSame(name, big);
    }

    @ParameterizedTest
    @ValueSource(strings = {"empty.bin", "512.bin", "1m.bin", "big.bin"})
    void atftpWithBlockSizeAndWindowSize(String name) throws Exception {
        Path atftp = ExternalTool.require("atftp");
        Path out = dir.resolve("atftp-" + name);
        ExternalTool.Result result = ExternalTool.run(dir, atftp.toString(), "--option", "blksize 1468", "--option",
                "windowsize 8", "-g", "-r", name, "-l", out.toString(), "127.0.0.1", Integer.toString(server.tftpPort));
        assertThat(result.exitCode()).as(result.all()).isZero();
        assertSame(name, out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"empty.bin", "512.bin", "1m.bin", "big.bin"})
    void tftpHpaInLockStep(String name) throws Exception {
        Path tftp = ExternalTool.require("tftp");
        Path out = dir.resolve("hpa-" + name);
        ExternalTool.Result result = ExternalTool.run(dir, tftp.toString(), "-m", "octet", "127.0.0.1",
                Integer.toString(server.tftpPort), "-c", "get", name, out.toString());
        assertThat(result.exitCode()).as(result.all()).isZero();
        assertSame(name, out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"empty.bin", "512.bin", "1m.bin", "big.bin", "/sub//config.txt"})
    void commonsNetClient(String name) throws Exception {
        TFTPClient client = new TFTPClient();
        client.setDefaultTimeout(java.time.Duration.ofSeconds(5));
        client.open();
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            client.receiveFile(name, TFTP.BINARY_MODE, out, InetAddress.getLoopbackAddress(), server.tftpPort);
            String relative = name.replaceFirst("^/+", "").replace("//", "/");
            assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(server.tftpRoot.resolve(relative)));
        } finally {
            client.close();
        }
    }

    @Test
    void traversalMissingFilesAndWritesAreRefusedWithErrors() throws Exception {
        for (String path : new String[] {"../secret.txt", "sub/../../secret.txt", "/../secret.txt", "nope.bin", "sub"}) {
            assertThat(exchange(rrq(path, "octet"))).as(path).startsWith("error 1 ");
        }
        assertThat(exchange(request(2, "upload.bin", "octet"))).isEqualTo("error 2 writes are not accepted");
        assertThat(exchange(rrq("512.bin", "netascii"))).isEqualTo("error 4 only octet mode is supported");
        assertThat(Files.exists(server.tftpRoot.resolve("upload.bin"))).isFalse();
        TFTPClient client = new TFTPClient();
        client.open();
        try {
            assertThatThrownBy(() -> client.sendFile("upload.bin", TFTP.BINARY_MODE,
                    new java.io.ByteArrayInputStream(new byte[10]), InetAddress.getLoopbackAddress(), server.tftpPort))
                    .isInstanceOf(IOException.class);
        } finally {
            client.close();
        }
    }

    @Test
    void garbageGetsNoAnswerAndBadOptionValuesAreIgnored() throws Exception {
        assertThat(exchange(new byte[] {0, 9, 'x', 0})).isEqualTo("silence");
        assertThat(exchange(new byte[] {0, 1, 'x'})).isEqualTo("silence");
        assertThat(exchange(new byte[] {0})).isEqualTo("silence");
        assertThat(exchange(with(rrq("512.bin", "octet"), "blksize", "abc", "timeout", "0", "windowsize", "-1")))
                .as("no option granted: plain DATA").startsWith("data 1 512");
        assertThat(exchange(with(rrq("512.bin", "octet"), "blksize", "99999", "tsize", "0")))
                .as("blksize clamped to the path").matches("oack \\{blksize=\\d+, tsize=512\\}");
    }

    @Test
    void aClientThatOnlyWantedTheSizeStopsAfterTheOptionAck() throws Exception {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(3000);
            byte[] request = with(rrq("1m.bin", "octet"), "tsize", "0");
            socket.send(new DatagramPacket(request, request.length, InetAddress.getLoopbackAddress(), server.tftpPort));
            DatagramPacket oack = new DatagramPacket(new byte[1500], 1500);
            socket.receive(oack);
            assertThat(describe(oack)).isEqualTo("oack {tsize=1048576}");
            byte[] error = TftpCodec.encode(new TftpPacket.Error(8, "tsize only"));
            socket.send(new DatagramPacket(error, error.length, oack.getSocketAddress()));
            socket.setSoTimeout(2500);
            assertThatThrownBy(() -> socket.receive(new DatagramPacket(new byte[1500], 1500)))
                    .as("nothing is retransmitted after the client's error").isInstanceOf(SocketTimeoutException.class);
        }
        assertThat(server.get("/metrics").body()).contains("metis_tftp_requests_total{reason=\"\",result=\"aborted_by_client\"}");
    }

    @Test
    void aFloodFromOneClientIsBoundedAndOthersAreStillServed() throws Exception {
        // The flood comes from its own loopback address, so the limit it hits is its own.
        try (DatagramSocket flooder = new DatagramSocket(new java.net.InetSocketAddress("127.0.0.3", 0))) {
            byte[] request = rrq("1m.bin", "octet");
            for (int i = 0; i < 300; i++) {
                flooder.send(new DatagramPacket(request, request.length, InetAddress.getLoopbackAddress(), server.tftpPort));
                if (i % 20 == 19) {
                    Thread.sleep(5); // paced, so the kernel's receive buffer does not drop the flood for us
                }
            }
            Thread.sleep(1000);
            commonsNetClient("512.bin");
        }
        // Counted by the server: the flooder's own socket drops most answers under such a flood.
        String metrics = server.get("/metrics").body();
        java.util.regex.Matcher busy = java.util.regex.Pattern
                .compile("metis_tftp_requests_total\\{reason=\"client-busy\",result=\"refused\"\\} ([0-9.]+)").matcher(metrics);
        assertThat(busy.find()).as(metrics).isTrue();
        // 268 with at most 32 transfers per client, less what the kernel dropped of the flood on a loaded machine
        assertThat(Double.parseDouble(busy.group(1))).as("at most 32 transfers per client").isGreaterThanOrEqualTo(150);
    }

    private static byte[] rrq(String path, String mode) {
        return request(1, path, mode);
    }

    private static byte[] request(int opcode, String path, String mode) {
        return TftpCodec.encode(new TftpPacket.Request(opcode == 2, path, mode, java.util.Map.of()));
    }

    private static byte[] with(byte[] request, String... options) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(request);
        for (String option : options) {
            out.writeBytes(option.getBytes(StandardCharsets.US_ASCII));
            out.write(0);
        }
        return out.toByteArray();
    }

    /** Sends one datagram to the TFTP port and describes the first answer, or "silence". */
    private static String exchange(byte[] packet) throws Exception {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(1500);
            socket.send(new DatagramPacket(packet, packet.length, InetAddress.getLoopbackAddress(), server.tftpPort));
            DatagramPacket answer = new DatagramPacket(new byte[70000], 70000);
            try {
                socket.receive(answer);
            } catch (SocketTimeoutException e) {
                return "silence";
            }
            byte[] stop = TftpCodec.encode(new TftpPacket.Error(0, "test done"));
            socket.send(new DatagramPacket(stop, stop.length, answer.getSocketAddress()));
            return describe(answer);
        }
    }

    private static String describe(DatagramPacket answer) {
        TftpPacket packet = TftpCodec.decode(answer.getData(), answer.getLength()).orElse(null);
        if (packet instanceof TftpPacket.Error error) {
            return "error " + error.code() + " " + error.message();
        }
        if (packet instanceof TftpPacket.Data data) {
            return "data " + data.block() + " " + data.length();
        }
        if (answer.getLength() > 2 && answer.getData()[1] == TftpPacket.OACK) {
            String[] parts = new String(answer.getData(), 2, answer.getLength() - 3, StandardCharsets.US_ASCII).split("\0");
            java.util.Map<String, String> options = new java.util.LinkedHashMap<>();
            for (int i = 0; i + 1 < parts.length; i += 2) {
                options.put(parts[i], parts[i + 1]);
            }
            return "oack " + options;
        }
        return "other";
    }
}
