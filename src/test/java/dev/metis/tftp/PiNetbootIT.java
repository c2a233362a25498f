package dev.metis.tftp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.ExternalTool;
import dev.metis.testing.ServerFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Raspberry Pi 4/5's TFTP file sequence, asked by real TFTP clients, and boot-once. */
class PiNetbootIT {

    private static final String SERIAL = "dc1b2b47";
    private static final String PI_MAC = "dc:a6:32:01:02:03";

    @TempDir
    Path dir;

    @Test
    void aPiGetsItsFirmwareAndItsOwnCmdlineUntilItIsProvisioned() throws Exception {
        Path curl = ExternalTool.require("curl");
        Path atftp = ExternalTool.require("atftp");
        ServerFixture server = new ServerFixture(dir);
        Path firmware = dir.resolve("firmware/pi4");
        Files.createDirectories(firmware);
        for (String file : new String[] {"start4.elf", "fixup4.dat", "kernel8.img"}) {
            Files.write(firmware.resolve(file), ServerFixture.pattern(file.length() * 1000));
        }
        Files.writeString(firmware.resolve("config.txt"), "arm_64bit=1\nenable_uart=1\n");
        Files.writeString(server.inventory, server.inventoryYaml("") + """
                  pi-1:
                    class: net
                    arch: arm64
                    mac: "%s"
                    ip: 127.0.0.40/8
                    serial: %s
                    netboot: {firmware_dir: firmware/pi4, cmdline: "console=serial0,115200 rootwait"}
                """.formatted(PI_MAC, SERIAL.toUpperCase()));
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "SO_BINDTODEVICE needs root");
        server.withDhcpOnLoopback();
        try (ServerFixture running = server.start()) {
            // The Pi's bootloader takes its address by DHCP first: the evidence that it boots from there.
            running.dhcpRequest(PI_MAC, "127.0.0.1");
            String base = "tftp://127.0.0.1:" + running.tftpPort + "/";
            for (String path : new String[] {SERIAL + "/start4.elf", SERIAL + "/config.txt", SERIAL + "//config.txt",
                    SERIAL + "/fixup4.dat", SERIAL + "/kernel8.img"}) {
                Path out = dir.resolve("out-" + path.replace('/', '_'));
                ExternalTool.Result result = ExternalTool.run(dir, curl.toString(), "-sS", "--tftp-blksize", "1468",
                        "-o", out.toString(), base + path);
                assertThat(result.exitCode()).as(path + result.all()).isZero();
                String name = path.substring(path.lastIndexOf('/') + 1);
                assertThat(Files.readAllBytes(out)).as(path).isEqualTo(Files.readAllBytes(firmware.resolve(name)));
            }
            Path cmdline = dir.resolve("cmdline.txt");
            ExternalTool.Result result = ExternalTool.run(dir, atftp.toString(), "--option", "blksize 1468", "-g", "-r",
                    SERIAL + "/cmdline.txt", "-l", cmdline.toString(), "127.0.0.1", Integer.toString(running.tftpPort));
            assertThat(result.exitCode()).as(result.all()).isZero();
            java.util.regex.Matcher seed = java.util.regex.Pattern.compile("console=serial0,115200 rootwait "
                    + "ds=nocloud-net;s=http://127\\.0\\.0\\.1:" + running.port + "(/nocloud/" + PI_MAC + "/[A-Za-z0-9_-]{43}/) network-config=[A-Za-z0-9+/=]+\n")
                    .matcher(Files.readString(cmdline));
            assertThat(seed.matches()).as(Files.readString(cmdline)).isTrue();
            assertThat(running.get("/api/v1/nodes/pi-1").body()).contains("\"state\":\"booting\"");
            assertThat(running.get(seed.group(1) + "user-data").statusCode()).as("the seed token of cmdline.txt").isEqualTo(200);
            assertThat(running.get("/nocloud/" + PI_MAC + "/user-data").statusCode()).isEqualTo(403);

            assertThat(running.post(running.phoneHomePath("pi-1", PI_MAC), "hostname=pi-1").statusCode()).isEqualTo(200);
            ExternalTool.Result refused = ExternalTool.run(dir, curl.toString(), "-sS", "-o", dir.resolve("x").toString(),
                    base + SERIAL + "/start4.elf");
            // curl's exit codes name the TFTP error it got: 69 access violation, 68 file not found
            assertThat(refused.exitCode()).as(refused.all()).isEqualTo(69);
            ExternalTool.Result other = ExternalTool.run(dir, curl.toString(), "-sS", "-o", dir.resolve("y").toString(),
                    base + "00000000/start4.elf");
            assertThat(other.exitCode()).as("unknown serial: not found").isEqualTo(68);
        }
    }
}
