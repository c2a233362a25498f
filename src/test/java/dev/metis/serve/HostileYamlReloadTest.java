package dev.metis.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metis.testing.InventoryFixture;
import dev.metis.testing.LogCapture;
import dev.metis.testing.ServerFixture;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Edits that would unfold without end (a recursive alias) or past the heap (an alias bomb, a file
 * bigger than the heap), in the inventory and in the secrets file of a running server: each is a rejected reload, the last good
 * inventory keeps serving, and the next good edit is still picked up.
 */
class HostileYamlReloadTest {

    private static final String CANARY = "CANARY-reload-3c9d";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FAILED_RELOADS = Pattern.compile("metis_inventory_reloads_total\\{result=\"failure\"} ([0-9.]+)");

    @TempDir
    Path dir;

    @Test
    void hostileEditsAreRejectedAndTheReloadLoopLivesOn() throws Exception {
        ServerFixture server = new ServerFixture(dir);
        String inventory = server.inventoryYaml("  secrets: {source: file, file: secrets.yaml}\n", "");
        Files.writeString(server.inventory, inventory);
        Path secrets = dir.resolve("secrets.yaml");
        String goodSecrets = "nodes:\n  web-1:\n    k3s_token: " + CANARY + "\n";
        Files.writeString(secrets, goodSecrets);
        Files.setPosixFilePermissions(secrets, PosixFilePermissions.fromString("rw-------"));
        try (LogCapture logs = new LogCapture(); ServerFixture running = server.start()) {
            // Each step waits for its own problem in the log, not for a count of reloads: a reload may look
            // between two edits.
            replace(server.inventory, inventory + InventoryFixture.RECURSIVE_ALIAS);
            awaitLog(logs, "inventory.yaml:21:7: YAML: recursive alias");
            replace(server.inventory, inventory + InventoryFixture.aliasBomb("bomb"));
            awaitLog(logs, "inventory.yaml:21:1: YAML: the document unfolds to more than");
            try (RandomAccessFile sparse = new RandomAccessFile(server.inventory.toFile(), "rw")) {
                sparse.setLength(4L << 30);
            }
            awaitLog(logs, "inventory.yaml:1:1: YAML: the file has " + (4L << 30) + " bytes");
            // The secrets break before the inventory mends: a reload between the two sees no good pair.
            replace(secrets, goodSecrets + InventoryFixture.RECURSIVE_ALIAS);
            replace(server.inventory, inventory);
            awaitLog(logs, "secrets.yaml:4:7: YAML: recursive alias");
            replace(secrets, goodSecrets + InventoryFixture.aliasBomb("defaults"));
            awaitLog(logs, "secrets.yaml:4:1: YAML: the document unfolds to more than");
            assertThat(failedReloads(running)).isGreaterThanOrEqualTo(5);
            assertThat(health(running).get("inventory_generation").asInt()).isEqualTo(1);

            replace(secrets, goodSecrets);
            awaitGeneration(running, 2);
            replace(server.inventory, server.inventoryYaml("  secrets: {source: file, file: secrets.yaml}\n",
                    "    timezone: Europe/Paris\n"));
            awaitGeneration(running, 3);
            assertThat(running.get(running.seedPath(ServerFixture.MAC) + "user-data").body())
                    .contains("timezone: Europe/Paris", "token: " + CANARY);
            assertThat(logs.text()).doesNotContain(CANARY);
        }
    }

    /**
     * Replaces the file whole, as editors save: the server never reads half an edit, so each edit is one
     * reload, and the counts the test waits for are exact.
     */
    private static void replace(Path file, String text) throws IOException {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, text);
        Files.setPosixFilePermissions(next, Files.getPosixFilePermissions(file));
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void awaitGeneration(ServerFixture running, int generation) throws Exception {
        for (int i = 0; i < 300 && health(running).get("inventory_generation").asInt() < generation; i++) {
            Thread.sleep(100);
        }
        assertThat(health(running).get("inventory_generation").asInt()).isEqualTo(generation);
    }

    private static JsonNode health(ServerFixture running) throws Exception {
        var answer = running.get("/healthz");
        assertThat(answer.statusCode()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    private static void awaitLog(LogCapture logs, String text) throws InterruptedException {
        for (int i = 0; i < 300 && !logs.text().contains(text); i++) {
            Thread.sleep(100);
        }
        assertThat(logs.text()).contains(text);
    }

    private static double failedReloads(ServerFixture running) throws Exception {
        Matcher count = FAILED_RELOADS.matcher(running.get("/metrics").body());
        assertThat(count.find()).isTrue();
        return Double.parseDouble(count.group(1));
    }
}
