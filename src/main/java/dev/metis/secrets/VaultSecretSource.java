package dev.metis.secrets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.metis.inventory.ResolvedNode;
import dev.metis.secrets.SecretUnavailableException.Reason;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.vault.authentication.AppRoleAuthentication;
import org.springframework.vault.authentication.AppRoleAuthenticationOptions;
import org.springframework.vault.authentication.ClientAuthentication;
import org.springframework.vault.authentication.LifecycleAwareSessionManager;
import org.springframework.vault.authentication.TokenAuthentication;
import org.springframework.vault.authentication.event.LoginTokenRenewalFailedEvent;
import org.springframework.vault.authentication.event.LoginTokenRevocationFailedEvent;
import org.springframework.vault.client.VaultClients;
import org.springframework.vault.client.VaultEndpoint;
import org.springframework.vault.core.VaultTemplate;
import org.springframework.vault.support.VaultToken;
import org.springframework.web.client.HttpStatusCodeException;
import org.springframework.web.client.RestClientResponseException;
import org.springframework.web.client.RestOperations;
import org.springframework.web.client.UnknownContentTypeException;

/**
 * Node secrets from a Vault KV v2 mount, read with spring-vault over real HTTP. Token and AppRole
 * logins are kept alive by spring-vault's {@link LifecycleAwareSessionManager}: renewable tokens are
 * renewed before they expire and an AppRole token that can no longer be renewed is replaced by a new
 * login. Answers are reused for the site's {@code ttl}, and concurrent lookups of one path share one
 * request, so a boot storm does not hammer Vault. Failures are never reused.
 */
public final class VaultSecretSource implements SecretSource {

    /** What the source tells metrics and health about the requests behind it. */
    public interface Observer {
        /** A secret read sent to Vault came back; {@code failure} is empty when it succeeded. */
        void read(Optional<Reason> failure);

        /** A lookup was answered without a request: cached, or joined a request already under way. */
        void reused();

        Observer NONE = new Observer() {
            @Override
            public void read(Optional<Reason> failure) {
            }

            @Override
            public void reused() {
            }
        };
    }

    /** One read's outcome, shared by everyone who waited for it; the message is made per node. */
    private sealed interface Result {
    }

    private record Found(NodeSecrets secrets) implements Result {
    }

    private record Failed(Reason reason, String detail) implements Result {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_DETAIL = 200;

    private final VaultSettings settings;
    private final Observer observer;
    private final ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
    private final Session session;
    private final VaultTemplate template;
    private final SecretCache<Result> cache;

    VaultSecretSource(VaultSettings settings, Observer observer) {
        this.settings = settings;
        this.observer = observer;
        SimpleClientHttpRequestFactory requests = new TrustingRequestFactory(settings.trust());
        requests.setConnectTimeout(settings.vault().timeoutOrDefault());
        requests.setReadTimeout(settings.vault().timeoutOrDefault());
        VaultEndpoint endpoint = VaultEndpoint.from(settings.address());
        RestOperations login = VaultClients.createRestTemplate(endpoint, requests);
        scheduler.setThreadNamePrefix("metis-vault-renewal-");
        scheduler.setDaemon(true);
        scheduler.initialize();
        session = new Session(authentication(settings.credentials(), login), scheduler, login);
        template = new VaultTemplate(endpoint, requests, session);
        cache = new SecretCache<>(settings.vault().ttlOrDefault(), System::nanoTime, r -> r instanceof Found);
    }

    private static ClientAuthentication authentication(VaultSettings.Credentials credentials, RestOperations login) {
        if (credentials instanceof VaultSettings.AppRole appRole) {
            return new AppRoleAuthentication(AppRoleAuthenticationOptions.builder()
                    .roleId(AppRoleAuthenticationOptions.RoleId.provided(appRole.roleId().reveal()))
                    .secretId(AppRoleAuthenticationOptions.SecretId.provided(appRole.secretId().reveal()))
                    .build(), login);
        }
        return new TokenAuthentication(((VaultSettings.Token) credentials).token().reveal());
    }

    @Override
    public NodeSecrets secretsFor(ResolvedNode node) throws SecretUnavailableException {
        String path = settings.apiPath(node.name(), node.hostname());
        Result result = cache.get(path, () -> read(path), observer::reused);
        if (result instanceof Failed failed) {
            throw new SecretUnavailableException(failed.reason(), "node " + node.name() + ": Vault secret " + path
                    + " at " + settings.address() + ": " + failed.detail());
        }
        return ((Found) result).secrets();
    }

    /**
     * Reads once, and once more after a fresh login when Vault says 403: the usual cause is a token
     * that expired or was revoked behind Metis's back; a second 403 is a policy that really forbids it.
     */
    private Result read(String path) {
        Result result = readOnce(path);
        if (result instanceof Failed failed && failed.reason() == Reason.FORBIDDEN) {
            session.drop();
            result = readOnce(path);
        }
        return result;
    }

    private Result readOnce(String path) {
        Result result;
        try {
            result = template.doWithSession(rest -> {
                try {
                    return found(rest.getForObject(path, JsonNode.class));
                } catch (HttpStatusCodeException e) {
                    return refused(e.getStatusCode().value(), e.getResponseBodyAsString());
                }
            });
        } catch (RuntimeException e) {
            result = failure(e);
        }
        observer.read(result instanceof Failed failed ? Optional.of(failed.reason()) : Optional.empty());
        return result;
    }

    private static Result found(JsonNode body) {
        JsonNode data = body == null ? null : body.path("data").path("data");
        if (data == null || !data.isObject()) {
            return new Failed(Reason.MISSING, "no data (deleted?)");
        }
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> fields = JSON.convertValue(data, Map.class);
            return new Found(VaultSecretData.parse(fields));
        } catch (IllegalArgumentException e) {
            return new Failed(Reason.INVALID, e.getMessage());
        }
    }

    private static Result refused(int status, String body) {
        String errors = vaultErrors(body).map(e -> e + " ").orElse("");
        return switch (status) {
            case 404 -> new Failed(Reason.MISSING, "not found (HTTP 404)");
            case 403 -> new Failed(Reason.FORBIDDEN, errors + "(HTTP 403)");
            default -> new Failed(Reason.ERROR, errors + "(HTTP " + status + ")");
        };
    }

    /** Vault's own words, from {@code {"errors": [...]}}; masked and clipped, as they come from outside. */
    private static Optional<String> vaultErrors(String body) {
        try {
            JsonNode errors = JSON.readTree(body).path("errors");
            List<String> texts = new ArrayList<>();
            errors.forEach(e -> texts.add(e.asText()));
            return texts.isEmpty() ? Optional.empty() : Optional.of(clip(String.join("; ", texts)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Names what went wrong without quoting what came back: a proxy or captive portal in front of Vault
     * may answer anything, and these messages reach /healthz, the API and logs. Only Vault's own
     * {@code errors} list is quoted.
     */
    private Result failure(RuntimeException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SocketTimeoutException) {
                return new Failed(Reason.TIMEOUT, "no answer within " + settings.vault().timeoutOrDefault().toMillis() + " ms");
            }
            if (cause instanceof ConnectException) {
                return new Failed(Reason.UNREACHABLE, "unreachable (connection refused or no route)");
            }
            if (cause instanceof JsonProcessingException || cause instanceof UnknownContentTypeException) {
                break; // an answer came, just not one Vault gives
            }
            if (cause instanceof IOException io) {
                return new Failed(Reason.UNREACHABLE, "unreachable (" + io.getClass().getSimpleName()
                        + (io.getMessage() == null ? "" : ": " + clip(io.getMessage())) + ")");
            }
        }
        String answer = answer(e);
        if (e instanceof org.springframework.vault.authentication.VaultLoginException) {
            return new Failed(Reason.LOGIN, settings.credentials().method() + " login failed: " + answer);
        }
        return new Failed(Reason.ERROR, answer);
    }

    /** The answer behind a failed request, described: its HTTP status, and Vault's errors when it sent some. */
    private static String answer(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof RestClientResponseException response) {
                return vaultErrors(response.getResponseBodyAsString()).map(errors -> errors + " ").orElse("")
                        + "(HTTP " + response.getStatusCode().value() + ")";
            }
            if (cause instanceof UnknownContentTypeException unknown) {
                return "an answer that is not Vault's JSON (HTTP " + unknown.getStatusCode().value() + ")";
            }
            if (cause instanceof JsonProcessingException) {
                return "an answer that is not Vault's JSON";
            }
        }
        return "unexpected " + e.getClass().getSimpleName();
    }

    private static String clip(String text) {
        String masked = LeakGuard.mask(String.valueOf(text)).replaceAll("\\s+", " ").trim();
        return masked.length() > MAX_DETAIL ? masked.substring(0, MAX_DETAIL) + "..." : masked;
    }

    @Override
    public void close() {
        session.destroy();
        scheduler.shutdown();
    }

    @Override
    public String toString() {
        return "Vault at " + settings.address() + " (" + settings.credentials().method() + ")";
    }

    /** Plain {@code HttpURLConnection}s (JDK keep-alive included), trusting the site's CA for Vault when given one. */
    private static final class TrustingRequestFactory extends SimpleClientHttpRequestFactory {

        private final Optional<SSLContext> trust;

        TrustingRequestFactory(Optional<SSLContext> trust) {
            this.trust = trust;
        }

        @Override
        protected void prepareConnection(HttpURLConnection connection, String method) throws IOException {
            super.prepareConnection(connection, method);
            if (connection instanceof HttpsURLConnection https && trust.isPresent()) {
                https.setSSLSocketFactory(trust.get().getSocketFactory());
            }
        }
    }

    /**
     * spring-vault's session manager, with a way to forget the token without revoking it. Its own log
     * lines (logger {@code ...VaultSecretSource$Session}, off in logback.xml) quote what Vault or a proxy
     * answered; its renewal and revocation failures are logged here instead, described.
     */
    private static final class Session extends LifecycleAwareSessionManager {

        private static final Logger LOG = LoggerFactory.getLogger(VaultSecretSource.class);

        private final ThreadPoolTaskScheduler scheduler;

        Session(ClientAuthentication authentication, ThreadPoolTaskScheduler scheduler, RestOperations rest) {
            super(authentication, scheduler, rest);
            this.scheduler = scheduler;
            addErrorListener(event -> {
                if (event instanceof LoginTokenRenewalFailedEvent) {
                    LOG.warn("Vault token renewal failed: {}; the next read logs in again", answer(event.getException()));
                } else if (event instanceof LoginTokenRevocationFailedEvent) {
                    LOG.warn("Vault token revocation failed: {}", answer(event.getException()));
                }
            });
        }

        /** The token for the next request; one Metis logged in for is as secret as the credentials it came from. */
        @Override
        public VaultToken getSessionToken() {
            VaultToken token = super.getSessionToken();
            LeakGuard.watch(token.getToken());
            return token;
        }

        /**
         * Forgets the token, so the next request logs in again, and cancels its pending renewal: that
         * task would otherwise find the next token and renew it alongside the next login's own renewal.
         * The scheduler runs nothing else.
         */
        void drop() {
            setToken(Optional.empty());
            scheduler.getScheduledThreadPoolExecutor().getQueue().clear();
        }
    }
}
