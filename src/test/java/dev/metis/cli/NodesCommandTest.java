package dev.metis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metis.testing.Cli;
import dev.metis.testing.DirectoryContents;
import dev.metis.testing.ServerFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code metis nodes}, from a running server and from its state directory beside it. */
class NodesCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String UNKNOWN_MAC = "02:00:00:00:00:98";

    @TempDir
    Path dir;

    private ServerFixture server;

    @BeforeEach
    void start() throws Exception {
        server = new ServerFixture(dir).start();
        assertThat(server.post(server.phoneHomePath("web-1", ServerFixture.MAC), "").statusCode()).isEqualTo(200);
        assertThat(server.get("/ipxe/" + UNKNOWN_MAC).body()).endsWith("exit 1\n");
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private Cli.Run fromServer(String... args) {
        return nodes(List.of("--server", server.uri("").toString()), args);
    }

    private Cli.Run fromStateDirectory(String... args) {
        return nodes(List.of("--inventory", server.inventory.toString(), "--state-dir", server.state.toString()), args);
    }

    private static Cli.Run nodes(List<String> source, String... args) {
        List<String> all = new ArrayList<>(List.of("nodes"));
        all.addAll(source);
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }

    @Test
    void theServerAndItsStateDirectoryTellTheSameAndTheDirectoryIsLeftAsItWas() throws Exception {
        Map<String, String> before = DirectoryContents.of(server.state);
        Cli.Run served = fromServer("--output", "json");
        Cli.Run read = fromStateDirectory("--output", "json");
        assertThat(served.exitCode()).as(served.err()).isZero();
        assertThat(read.exitCode()).as(read.err()).isZero();
        assertThat(read.out()).isEqualTo(served.out());
        assertThat(DirectoryContents.of(server.state)).as("read beside the running server, which holds its lock").isEqualTo(before);

        JsonNode all = JSON.readTree(served.out());
        assertThat(all.get("nodes").findValuesAsText("name")).containsExactly("web-1", "web-2");
        assertThat(all.get("nodes").get(0).get("state").asText()).isEqualTo("provisioned");
        assertThat(all.get("nodes").get(0).get("provisioned_hash").asText())
                .isEqualTo(all.get("nodes").get(0).get("config_hash").asText());
        assertThat(all.get("discovered").findValuesAsText("mac")).containsExactly(UNKNOWN_MAC);

        for (Cli.Run table : new Cli.Run[] {fromServer(), fromStateDirectory()}) {
            assertThat(table.out().lines().toList()).as(table.out())
                    .anySatisfy(line -> assertThat(line).matches("NODE +CLASS +MAC +STATE +LAST SEEN +DRIFT"))
                    .anySatisfy(line -> assertThat(line)
                            .matches("web-1 +net +02:00:00:00:00:01 +provisioned +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ +no"))
                    .anySatisfy(line -> assertThat(line).matches("web-2 +net +02:00:00:00:00:02 +armed +never +-"))
                    .anySatisfy(line -> assertThat(line).startsWith(UNKNOWN_MAC + "  ").contains("127.0.0.1"));
        }
    }

    @Test
    void oneNodeShowsItsDriftAndItsEventsByNameOrMac() throws Exception {
        String provisioned = JSON.readTree(fromStateDirectory("web-1", "--output", "json").out()).get("config_hash").asText();
        Files.writeString(server.inventory, server.inventoryYaml("    timezone: Europe/Paris\n"));

        Cli.Run one = fromStateDirectory("web-1");
        assertThat(one.exitCode()).as(one.err()).isZero();
        String now = JSON.readTree(fromStateDirectory("web-1", "--output", "json").out()).get("config_hash").asText();
        assertThat(now).isNotEqualTo(provisioned);
        assertThat(one.out()).contains("state      provisioned\n")
                .contains("drift      yes: provisioned with config " + provisioned.substring(0, 12)
                        + ", the inventory now gives " + now.substring(0, 12) + " (re-arm the node to apply it)\n")
                .containsPattern("\\n  \\S+Z  phone-home +from 127\\.0\\.0\\.1  config " + provisioned.substring(0, 12));
        assertThat(fromStateDirectory("02-00-00-00-00-01").out()).isEqualTo(one.out());
        assertThat(fromStateDirectory().out().lines()).anySatisfy(line -> assertThat(line).startsWith("web-1 ").endsWith(" yes"));
    }

    @Test
    void mistakesAreNamed() throws Exception {
        Cli.Run unknown = fromServer("web-3");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("no node 'web-3' (did you mean 'web-1'?)");

        Cli.Run both = fromServer("--state-dir", server.state.toString());
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("give --server or --state-dir, not both");

        Path missing = dir.resolve("no-such-state");
        Cli.Run noState = Cli.run("nodes", "--inventory", server.inventory.toString(), "--state-dir", missing.toString());
        assertThat(noState.exitCode()).isEqualTo(1);
        assertThat(noState.err()).contains("no state directory " + missing);
        assertThat(missing).doesNotExist();

        String nobody = "http://127.0.0.1:" + ServerFixture.freePort();
        Cli.Run noServer = Cli.run("nodes", "--server", nobody);
        assertThat(noServer.exitCode()).isEqualTo(1);
        assertThat(noServer.err()).contains("cannot read " + nobody + "/api/v1/nodes: no server answers there");
    }
}
