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
            replace(server.inventory, inventory + InventoryFixture.RECURSIVE_ALIAS);
            awaitFailedReloads(running, 1);
            replace(server.inventory, inventory + InventoryFixture.aliasBomb("bomb"));
            awaitFailedReloads(running, 2);
            try (RandomAccessFile sparse = new RandomAccessFile(server.inventory.toFile(), "rw")) {
                sparse.setLength(4L << 30);
            }
            awaitFailedReloads(running, 3);
            replace(server.inventory, inventory);
            replace(secrets, goodSecrets + InventoryFixture.RECURSIVE_ALIAS);
            awaitFailedReloads(running, 4);
            replace(secrets, goodSecrets + InventoryFixture.aliasBomb("defaults"));
            awaitFailedReloads(running, 5);
            assertThat(health(running).get("inventory_generation").asInt()).isEqualTo(1);

            replace(secrets, goodSecrets);
            awaitGeneration(running, 2);
            replace(server.inventory, server.inventoryYaml("  secrets: {source: file, file: secrets.yaml}\n",
                    "    timezone: Europe/Paris\n"));
            awaitGeneration(running, 3);
            assertThat(running.get(running.seedPath(ServerFixture.MAC) + "user-data").body())
                    .contains("timezone: Europe/Paris", "token: " + CANARY);
            assertThat(logs.text()).contains("inventory.yaml:21:7: YAML: recursive alias",
                    "inventory.yaml:21:1: YAML: the document unfolds to more than", "secrets.yaml:4:7: YAML: recursive alias",
                    "secrets.yaml:4:1: YAML: the document unfolds to more than",
                    "inventory.yaml:1:1: YAML: the file has " + (4L << 30) + " bytes").doesNotContain(CANARY);
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

    private static void awaitFailedReloads(ServerFixture running, int count) throws Exception {
        String line = "metis_inventory_reloads_total{result=\"failure\"} " + count + ".0";
        for (int i = 0; i < 300 && !running.get("/metrics").body().contains(line); i++) {
            Thread.sleep(100);
        }
        assertThat(running.get("/metrics").body()).contains(line);
        health(running);
    }
}
