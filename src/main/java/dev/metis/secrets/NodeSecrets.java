package dev.metis.secrets;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One node's secrets: the k3s join token, a crypt(3) password hash for users marked {@code password:
 * true}, named extra values for file templates, and extra cloud-config merged into the node's user-data
 * ({@code cloudInit}: YAML or JSON text of a mapping).
 */
public record NodeSecrets(Optional<Secret> k3sToken, Optional<Secret> sshPassword, Map<String, Secret> extra,
        Optional<Secret> cloudInit) {

    public static final NodeSecrets NONE = new NodeSecrets(Optional.empty(), Optional.empty(), Map.of());

    public NodeSecrets {
        extra = Map.copyOf(extra);
        cloudInit.ifPresent(c -> CloudInitSecret.watchScalars(CloudInitSecret.parse(c.reveal())));
    }

    /** For sources without extra cloud-config. */
    public NodeSecrets(Optional<Secret> k3sToken, Optional<Secret> sshPassword, Map<String, Secret> extra) {
        this(k3sToken, sshPassword, extra, Optional.empty());
    }

    /**
     * The same keys with every value replaced by {@value Secret#REDACTED}, for output people read;
     * extra cloud-config keeps its keys and structure.
     */
    public NodeSecrets redacted() {
        Secret mask = Secret.of(Secret.REDACTED);
        Map<String, Secret> maskedExtra = new LinkedHashMap<>();
        extra.keySet().forEach(k -> maskedExtra.put(k, mask));
        return new NodeSecrets(k3sToken.map(s -> mask), sshPassword.map(s -> mask), maskedExtra,
                cloudInit.map(c -> Secret.of(CloudInitSecret.masked(c.reveal()))));
    }

    /** The extra cloud-config as a mapping, with its values: only the renderer and revealed output call this. */
    public Optional<Map<String, Object>> revealCloudInit() {
        return cloudInit.map(c -> CloudInitSecret.parse(c.reveal()));
    }

    /** The secrets as plain values for printing, in a stable order. */
    public Map<String, Object> revealedView() {
        Map<String, Object> view = new LinkedHashMap<>();
        k3sToken.ifPresent(s -> view.put("k3s_token", s.reveal()));
        sshPassword.ifPresent(s -> view.put("ssh_password", s.reveal()));
        if (!extra.isEmpty()) {
            Map<String, String> sorted = new TreeMap<>();
            extra.forEach((k, v) -> sorted.put(k, v.reveal()));
            view.put("extra", sorted);
        }
        revealCloudInit().ifPresent(c -> view.put("cloud_init", c));
        return view;
    }
}
