package dev.metis.card;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.identity.IdentityRenderer;
import dev.metis.identity.PhoneHomeKeys;
import dev.metis.inventory.Inventory;
import dev.metis.inventory.InventoryLoader;
import dev.metis.inventory.ResolvedNode;
import dev.metis.secrets.NodeSecrets;
import dev.metis.testing.InventoryFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CardSeedTest {

    @TempDir
    Path dir;

    /**
     * The record is part of the image's bytes, which the server (for an install) and {@code metis image} must
     * make alike in different JVMs: its keys in one written order, never a hash order.
     */
    @Test
    void theRecordOfWhatWasInjectedIsWrittenInOneOrder() throws Exception {
        Inventory inventory = InventoryLoader.load(InventoryFixture.write(dir, "inventory.yaml", InventoryFixture.site(null)
                + InventoryFixture.TWO_NODES));
        ResolvedNode node = inventory.node("web-1").orElseThrow();
        CardSeed seed = CardSeed.of(node, new IdentityRenderer(inventory.site(), new PhoneHomeKeys(new byte[32]))
                .render(node, NodeSecrets.NONE), null, "/images/golden.img", "ab".repeat(32));
        String record = new String(seed.files().get(CardSeed.RECORD), StandardCharsets.UTF_8);
        assertThat(record).containsSubsequence("\"node\"", "\"class\"", "\"hostname\"", "\"mac\"", "\"instance_id\"",
                "\"config_hash\"", "\"image\"", "\"source\" : \"/images/golden.img\"", "\"sha256\" : \"abab", "\"files\"");
    }
}
