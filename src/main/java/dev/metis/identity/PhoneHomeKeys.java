package dev.metis.identity;

import dev.metis.secrets.Secret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Each node's phone-home key: an HMAC-SHA256 of the node's name under the site key that the server keeps
 * in its state directory. It goes into the node's user-data (its phone-home URL), so only a holder of the
 * node's seed can mark the node provisioned. It depends on the node's name alone, so a card and the
 * network still carry the same seed, and it is not part of the config hash.
 */
public final class PhoneHomeKeys {

    /** For renderings whose secrets are redacted: every key is {@value Secret#REDACTED}. */
    public static final PhoneHomeKeys REDACTED = new PhoneHomeKeys(null);

    private static final String ALGORITHM = "HmacSHA256";
    private static final byte[] LABEL = "metis phone-home v1\0".getBytes(StandardCharsets.UTF_8);

    private final SecretKeySpec siteKey;

    /** @param siteKey at least 32 random bytes; null for {@link #REDACTED} */
    public PhoneHomeKeys(byte[] siteKey) {
        if (siteKey != null && siteKey.length < 32) {
            throw new IllegalArgumentException("the site key must have at least 32 bytes");
        }
        this.siteKey = siteKey == null ? null : new SecretKeySpec(siteKey, ALGORITHM);
    }

    public Secret keyFor(String nodeName) {
        if (siteKey == null) {
            return Secret.of(Secret.REDACTED);
        }
        return Secret.of(Base64.getUrlEncoder().withoutPadding().encodeToString(mac(nodeName)));
    }

    /** Whether {@code presented} is the node's key; compared in constant time. */
    public boolean opens(String nodeName, String presented) {
        if (siteKey == null || presented == null) {
            return false;
        }
        byte[] expected = Base64.getUrlEncoder().withoutPadding().encode(mac(nodeName));
        return MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.UTF_8));
    }

    private byte[] mac(String nodeName) {
        try {
            Mac hmac = Mac.getInstance(ALGORITHM);
            hmac.init(siteKey);
            hmac.update(LABEL);
            return hmac.doFinal(nodeName.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }
}
