package dev.metis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.ExternalTool;
import dev.metis.testing.InventoryFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Drives {@code deploy/dev/netboot-lab}: private network namespaces with a site DHCP server, Metis
 * running in the server namespace, and QEMU machines booting from the network.
 */
final class NetbootLab implements AutoCloseable {

    static final Path SCRIPT = Path.of("deploy/dev/netboot-lab").toAbsolutePath();
    static final String SERVER_URL = "http://10.77.0.2:8080";
    /** The VM's link, into which {@link #impair} splices a wire as it does into {@link #siteLink()}. */
    static final String VM_LINK = "tap0";
    /** A second VM's link, for a test that boots two machines at once. */
    static final String SECOND_VM_LINK = "tap1";

    private final String name;
    private final Path dir;
    private Process metis;

    private NetbootLab(String name, Path dir) {
        this.name = name;
        this.dir = dir;
    }

    /** Brings a lab up, or skips (locally) / fails (CI) when this machine cannot run one. */
    static NetbootLab up(Path dir) throws Exception {
        requireRoot();
        for (String tool : List.of("qemu-system-x86_64", "dnsmasq", "ip", "curl")) {
            ExternalTool.require(tool);
        }
        NetbootLab lab = new NetbootLab("mt" + ProcessHandle.current().pid() % 10000, dir);
        lab.run("up");
        return lab;
    }

    /** Network namespaces need root: skips locally, fails in CI. */
    static void requireRoot() {
        if (!"root".equals(System.getProperty("user.name"))) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("network namespaces need root");
            }
            Assumptions.abort("network namespaces and tap devices need root");
        }
    }

    /** Copies the test kernel and installer initramfs into {@code assets/lab}. */
    void writeAssets(Path assets) throws Exception {
        run("assets", assets.resolve("lab").toString());
    }

    /** Starts {@code metis serve} in the server namespace and waits until proxy-DHCP listens. */
    Path startMetis(List<String> serveArgs) throws Exception {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString(), "exec",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Path.of("target/metis.jar").toAbsolutePath().toString(), "serve"));
        command.addAll(serveArgs);
        Path log = metisLog();
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("LAB", name);
        metis = builder.start();
        for (int i = 0; i < 300; i++) {
            if (Files.readString(log).contains("proxy-DHCP listening")) {
                return log;
            }
            if (!metis.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("metis did not start: " + Files.readString(log));
    }

    /**
     * The lab both QEMU tests use: the test kernel and installer as node {@code vm-1} with {@code mac},
     * ipxe.efi for firmware PXE, Metis on br0 with {@code adminToken}. @return Metis's log
     */
    Path startMetisForInstaller(String mac, String adminToken, String... moreServeArgs) throws Exception {
        Path assets = dir.resolve("assets");
        writeAssets(assets);
        Path inventory = InventoryFixture.write(dir, "inventory.yaml", """
                site:
                  name: lab
                  server_url: %s
                classes:
                  installer:
                    arch: amd64
                    delivery: netboot
                    netboot: {kernel: lab/vmlinuz, initrd: [lab/initramfs.gz], cmdline: console=ttyS0 panic=-1}
                nodes:
                  vm-1: {class: installer, mac: "%s", ip: 10.77.0.50/24, gateway: 10.77.0.1}
                """.formatted(SERVER_URL, mac));
        Files.writeString(dir.resolve("token"), adminToken);
        Files.createDirectories(dir.resolve("tftp"));
        Files.copy(Path.of("/usr/lib/ipxe/ipxe.efi"), dir.resolve("tftp/ipxe.efi"));
        List<String> args = new ArrayList<>(List.of("--inventory", inventory.toString(), "--state-dir",
                dir.resolve("state").toString(), "--boot-assets", assets.toString(), "--tftp-root",
                dir.resolve("tftp").toString(), "--interface", "br0", "--admin-token-file", dir.resolve("token").toString()));
        args.addAll(List.of(moreServeArgs));
        return startMetis(args);
    }

    /** Starts a QEMU boot in the background; its console goes to {@code log}. */
    Process boot(String firmware, String mac, Path log, int seconds) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(SCRIPT.toString(), "boot", firmware, mac, log.toString(),
                Integer.toString(seconds)).redirectErrorStream(true).redirectOutput(dir.resolve("boot.out").toFile());
        builder.environment().put("LAB", name);
        return builder.start();
    }

    /**
     * Boots until the lab's installer phones home and powers the machine off, within {@code seconds}.
     * @return the console output
     */
    String bootToPhoneHome(String firmware, String mac, int seconds) throws Exception {
        Path console = dir.resolve(firmware + "-" + System.nanoTime() + ".log");
        Process boot = boot(firmware, mac, console, seconds);
        boolean finished = boot.waitFor(seconds + 10L, TimeUnit.SECONDS);
        String output = Files.exists(console) ? Files.readString(console) : "";
        assertThat(finished).as("QEMU finished").isTrue();
        assertThat(output).as(output + Files.readString(metisLog())).contains("METIS-LAB: phoned home as metis-");
        return output;
    }

    private Path metisLog() {
        return dir.resolve("metis.log");
    }

    /**
     * Drops {@code loss}% and reorders {@code reorder}% of the frames in each direction on the VM's and the
     * site's link until {@link #unimpair()}. @return what the lab printed, with the seed that repeats it
     */
    String impair(int loss, int reorder) throws Exception {
        return run("impair", Integer.toString(loss), Integer.toString(reorder)).output().strip();
    }

    /** Ends the impairment. @return what each wire did, per direction */
    List<WireCounts> unimpair() throws Exception {
        return WireCounts.parse(run("impair", "off").output());
    }

    /** The leases the site's DHCP server (dnsmasq, addresses only) handed out: "EXPIRY MAC IP ..." lines. */
    String siteLeases() throws IOException {
        Path leases = Path.of("/run", name, "leases");
        return Files.exists(leases) ? Files.readString(leases) : "";
    }

    /** The site's link to the server namespace's bridge. */
    String siteLink() {
        return name + "-vs";
    }

    /** {@code command} as it runs in the server namespace, where the VM's link (tap0) is. */
    List<String> inServerNamespace(List<String> command) {
        List<String> args = new ArrayList<>(List.of(SCRIPT.toString(), "exec"));
        args.addAll(command);
        return List.of(withEnv(args));
    }

    /** Runs a command in the site namespace (a machine beside the VM) to completion. */
    ExternalTool.Result inSite(String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of(SCRIPT.toString(), "exec-site"));
        args.addAll(List.of(command));
        return ExternalTool.run(dir, withEnv(args));
    }

    /** Starts a command in the site namespace in the background. */
    Process startInSite(Path log, String... command) throws IOException {
        return startIn("exec-site", log, command);
    }

    /** Starts a command in the server namespace (where tap0 joins br0) in the background. */
    Process startInServer(Path log, String... command) throws IOException {
        return startIn("exec", log, command);
    }

    private Process startIn(String exec, Path log, String... command) throws IOException {
        List<String> args = new ArrayList<>(List.of(SCRIPT.toString(), exec));
        args.addAll(List.of(command));
        ProcessBuilder builder = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("LAB", name);
        return builder.start();
    }

    /** Runs curl in the server namespace and returns what it printed. */
    String curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString(), "exec", "curl", "-sS", "--max-time", "10"));
        command.addAll(List.of(args));
        ExternalTool.Result result = ExternalTool.run(dir, withEnv(command));
        assertThat(result.exitCode()).as(result.all()).isZero();
        return result.output();
    }

    private String[] withEnv(List<String> command) {
        List<String> withLab = new ArrayList<>(List.of("env", "LAB=" + name));
        withLab.addAll(command);
        return withLab.toArray(String[]::new);
    }

    private ExternalTool.Result run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(List.of(args));
        ExternalTool.Result result = ExternalTool.run(dir, withEnv(command));
        assertThat(result.exitCode()).as(String.join(" ", args) + ": " + result.all()).isZero();
        return result;
    }

    static void stop(Process process) throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    @Override
    public void close() throws Exception {
        if (metis != null) {
            stop(metis);
        }
        run("down");
    }
}
