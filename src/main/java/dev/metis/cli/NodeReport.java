package dev.metis.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.metis.state.DiscoveredMac;
import dev.metis.state.NodeEvent;
import dev.metis.state.NodeState;
import java.time.Instant;
import java.util.List;

/**
 * What {@code metis nodes} shows of a node, read from a running server's API or made from a state
 * directory. Its fields are the API's, by the same names, so the JSON is the same whichever the source.
 *
 * @param configHash  the config hash the inventory gives the node now
 * @param configError why the node cannot be rendered, if it cannot
 * @param secretsError why its secrets failed at their last lookup (from a server only)
 * @param events      most recent last
 */
record NodeReport(String name, @JsonProperty("class") String nodeClass, String mac, NodeState state, Instant lastSeen,
        boolean drift, String configHash, String servedHash, String provisionedHash, String configError,
        String secretsError, List<NodeEvent> events) {

    /** Reads the API's answers, and writes {@code --output json}. */
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    NodeReport {
        events = events == null ? List.of() : List.copyOf(events);
    }

    /** Every node, and the MACs not in the inventory that asked to boot, as {@code GET /api/v1/nodes} answers. */
    record All(List<NodeReport> nodes, List<DiscoveredMac> discovered) {
        All {
            nodes = nodes == null ? List.of() : List.copyOf(nodes);
            discovered = discovered == null ? List.of() : List.copyOf(discovered);
        }
    }
}
