package dev.metis.secrets;

import dev.metis.files.PemTrust;
import dev.metis.inventory.InvalidInputException;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.Problem;
import dev.metis.inventory.Site;
import dev.metis.inventory.SourcePos;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How to reach Vault: where and what to read from the inventory ({@code site.secrets.vault}), the
 * address and credentials from the environment only, as the Vault CLI takes them, so that no credential
 * is ever written into the inventory.
 */
record VaultSettings(URI address, Credentials credentials, Optional<SSLContext> trust, Site.Vault vault) {

    static final String ADDR = "VAULT_ADDR";
    static final String TOKEN = "VAULT_TOKEN";
    static final String ROLE_ID = "VAULT_ROLE_ID";
    static final String SECRET_ID = "VAULT_SECRET_ID";
    static final String CACERT = "VAULT_CACERT";

    /** A token given as it is, or AppRole credentials that Metis logs in with. */
    sealed interface Credentials {
        /** The name people know the method by, for messages. */
        String method();
    }

    record Token(Secret token) implements Credentials {
        @Override
        public String method() {
            return "token";
        }
    }

    record AppRole(Secret roleId, Secret secretId) implements Credentials {
        @Override
        public String method() {
            return "AppRole";
        }
    }

    /**
     * @throws InvalidInputException naming {@code site.secrets} in the inventory, when the environment
     *                               lacks the address or credentials
     */
    static VaultSettings from(Inventory inventory, Map<String, String> env) throws InvalidInputException {
        SourcePos at = inventory.sitePos("secrets");
        List<Problem> problems = new ArrayList<>();
        URI address = null;
        String addr = value(env, ADDR);
        if (addr == null) {
            problems.add(new Problem(at, "site.secrets: source vault needs " + ADDR
                    + " (e.g. https://vault.example:8200) in the environment"));
        } else {
            address = parseAddress(addr);
            if (address == null) {
                problems.add(new Problem(at, "site.secrets: " + ADDR + " '" + addr + "' is not an http(s) URL"));
            }
        }
        Credentials credentials = null;
        if (value(env, TOKEN) != null) {
            credentials = new Token(Secret.of(value(env, TOKEN)));
        } else if (value(env, ROLE_ID) != null && value(env, SECRET_ID) != null) {
            credentials = new AppRole(Secret.of(value(env, ROLE_ID)), Secret.of(value(env, SECRET_ID)));
        } else {
            problems.add(new Problem(at, "site.secrets: source vault needs " + TOKEN + ", or " + ROLE_ID + " and "
                    + SECRET_ID + " (AppRole), in the environment"));
        }
        Site.Vault vault = inventory.site().secrets().vaultOrDefault();
        Optional<Path> caFile = Optional.ofNullable(value(env, CACERT)).map(Path::of)
                .or(() -> Optional.ofNullable(vault.caFile()).map(inventory::resolve));
        Optional<SSLContext> trust = Optional.empty();
        if (caFile.isPresent()) {
            try {
                trust = Optional.of(PemTrust.trusting(caFile.get()));
            } catch (IOException | GeneralSecurityException e) {
                problems.add(new Problem(at, "site.secrets: Vault CA file " + caFile.get() + ": " + e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        return new VaultSettings(address, credentials, trust, vault);
    }

    private static String value(Map<String, String> env, String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static URI parseAddress(String text) {
        try {
            URI uri = new URI(text.replaceFirst("/+$", ""));
            boolean http = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
            return http && uri.getHost() != null ? uri : null;
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }

    /** The path Vault's API knows the node's secret by, e.g. {@code secret/data/nodes/cp-01}. */
    String apiPath(String name, String hostname) {
        return vault.mountOrDefault() + "/data/" + vault.pathFor(name, hostname);
    }
}
