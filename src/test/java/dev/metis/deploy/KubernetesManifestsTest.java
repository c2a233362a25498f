package dev.metis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.metis.cli.Main;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.InventoryLoader;
import dev.metis.inventory.Site;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * deploy/kubernetes: every manifest parses, the kustomization lists them all, and the Deployment's pieces fit
 * together: its arguments are a valid {@code metis serve} whose inventory, state and assets are the volumes
 * mounted there, its environment is the Vault Secret, and its probes ask {@code /healthz} on the HTTP port.
 */
class KubernetesManifestsTest {

    private static final Path DIR = Path.of("deploy/kubernetes");

    @TempDir
    Path tmp;

    private final Map<String, JsonNode> byKind = new HashMap<>();
    private JsonNode kustomization;

    @BeforeEach
    void load() throws Exception {
        YAMLMapper yaml = new YAMLMapper();
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (MappingIterator<JsonNode> documents = yaml.readerFor(JsonNode.class).readValues(file.toFile())) {
                    for (JsonNode document : documents.readAll()) {
                        String kind = document.path("kind").asText();
                        assertThat(kind).as("kind in %s", file).isNotEmpty();
                        assertThat(document.path("apiVersion").asText()).as("apiVersion in %s", file).isNotEmpty();
                        assertThat(byKind.put(kind, document)).as("one %s", kind).isNull();
                    }
                }
            }
        }
        kustomization = byKind.remove("Kustomization");
    }

    private JsonNode container() {
        return byKind.get("Deployment").path("spec").path("template").path("spec").path("containers").get(0);
    }

    private JsonNode podSpec() {
        return byKind.get("Deployment").path("spec").path("template").path("spec");
    }

    /** The volume mounted at exactly this path in the container. */
    private JsonNode volumeAt(Path mountPath) {
        for (JsonNode mount : container().path("volumeMounts")) {
            if (Path.of(mount.path("mountPath").asText()).equals(mountPath)) {
                for (JsonNode volume : podSpec().path("volumes")) {
                    if (volume.path("name").asText().equals(mount.path("name").asText())) {
                        return volume;
                    }
                }
            }
        }
        throw new AssertionError("no volume mounted at " + mountPath);
    }

    private CommandLine.ParseResult serve() {
        List<String> args = new ArrayList<>();
        container().path("args").forEach(a -> args.add(a.asText()));
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args.toArray(String[]::new)).subcommand();
        assertThat(parsed.commandSpec().name()).isEqualTo("serve");
        return parsed;
    }

    @Test
    void theKustomizationAppliesEveryManifestIntoTheNamespace() throws Exception {
        assertThat(byKind.keySet()).containsExactlyInAnyOrder("Namespace", "ConfigMap", "Secret", "Deployment", "Service");
        List<String> listed = new ArrayList<>();
        kustomization.path("resources").forEach(r -> listed.add(r.asText()));
        try (Stream<Path> files = Files.list(DIR)) {
            assertThat(listed).containsExactlyInAnyOrderElementsOf(files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(".yaml") && !f.equals("kustomization.yaml")).toList());
        }
        String namespace = byKind.get("Namespace").path("metadata").path("name").asText();
        assertThat(kustomization.path("namespace").asText()).isEqualTo(namespace);
        byKind.forEach((kind, object) -> {
            if (!kind.equals("Namespace")) {
                assertThat(object.path("metadata").path("namespace").asText()).as(kind).isEqualTo(namespace);
            }
        });
    }

    @Test
    void oneServerRunsOnTheBootHostInItsNetwork() throws Exception {
        JsonNode spec = byKind.get("Deployment").path("spec");
        assertThat(spec.path("replicas").asInt()).isEqualTo(1);
        assertThat(spec.path("strategy").path("type").asText()).isEqualTo("Recreate");
        assertThat(podSpec().path("hostNetwork").asBoolean()).isTrue();
        assertThat(podSpec().path("dnsPolicy").asText()).isEqualTo("ClusterFirstWithHostNet");
        JsonNode bootHost = podSpec().path("nodeSelector").path("metis.dev/boot-host");
        assertThat(bootHost.isTextual()).as("a string, not a YAML boolean").isTrue();
        assertThat(bootHost.asText()).isEqualTo("true");
        JsonNode security = container().path("securityContext");
        assertThat(security.path("capabilities").path("add").toString()).isEqualTo("[\"NET_BIND_SERVICE\"]");
        assertThat(security.path("capabilities").path("drop").toString()).isEqualTo("[\"ALL\"]");
        assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(security.path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(volumeAt(Path.of("/tmp")).has("emptyDir")).as("a writable /tmp for native libraries").isTrue();
        JsonNode labels = byKind.get("Deployment").path("spec").path("template").path("metadata").path("labels");
        byKind.get("Service").path("spec").path("selector").fields()
                .forEachRemaining(e -> assertThat(labels.path(e.getKey())).isEqualTo(e.getValue()));
    }

    @Test
    void theInventoryComesFromTheConfigMapAndLoads() throws Exception {
        Path inventory = (Path) serve().matchedOptionValue("--inventory", null);
        JsonNode volume = volumeAt(inventory.getParent());
        JsonNode configMap = byKind.get("ConfigMap");
        assertThat(volume.path("configMap").path("name").asText()).isEqualTo(configMap.path("metadata").path("name").asText());
        String text = configMap.path("data").path(inventory.getFileName().toString()).asText();
        assertThat(text).as("the ConfigMap's %s", inventory.getFileName()).isNotEmpty();
        Inventory loaded = InventoryLoader.load(Files.writeString(tmp.resolve("inventory.yaml"), text));
        assertThat(loaded.nodes()).isNotEmpty();
        assertThat(loaded.site().secrets().sourceOrDefault()).isEqualTo(Site.SecretSourceKind.VAULT);
    }

    @Test
    void vaultSettingsComeFromTheSecret() {
        JsonNode secret = byKind.get("Secret");
        assertThat(container().path("envFrom").findValuesAsText("name")).containsExactly(secret.path("metadata").path("name").asText());
        for (String variable : List.of("VAULT_ADDR", "VAULT_ROLE_ID", "VAULT_SECRET_ID")) {
            assertThat(secret.path("stringData").path(variable).isTextual()).as(variable).isTrue();
        }
    }

    @Test
    void stateAndAssetsAreOnTheHost() {
        CommandLine.ParseResult serve = serve();
        JsonNode state = volumeAt((Path) serve.matchedOptionValue("--state-dir", null));
        assertThat(state.path("hostPath").path("path").asText()).isEqualTo("/var/lib/metis");
        assertThat(volumeAt((Path) serve.matchedOptionValue("--boot-assets", null)).has("hostPath")).isTrue();
        assertThat(volumeAt((Path) serve.matchedOptionValue("--tftp-root", null)).has("hostPath")).isTrue();
    }

    @Test
    void probesAskHealthzOnTheHttpPort() {
        int httpPort = serve().matchedOptionValue("--http-port", 8080);
        for (String probe : List.of("readinessProbe", "livenessProbe")) {
            JsonNode get = container().path(probe).path("httpGet");
            assertThat(get.path("path").asText()).as(probe).isEqualTo("/healthz");
            int port = get.path("port").isInt() ? get.path("port").asInt() : container().path("ports").findParents("name").stream()
                    .filter(p -> p.path("name").asText().equals(get.path("port").asText()))
                    .findFirst().orElseThrow().path("containerPort").asInt();
            assertThat(port).as(probe).isEqualTo(httpPort);
        }
    }

    /** The image mvn -Pimage package builds: Jib names it metis:<project version>. */
    @Test
    void theDeploymentRunsTheImageTheBuildMakes() throws Exception {
        String version = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile())
                .getDocumentElement().getElementsByTagName("version").item(0).getTextContent();
        assertThat(container().path("image").asText()).isEqualTo("metis:" + version);
    }
}
