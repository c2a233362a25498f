package dev.metis.card;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.testing.Cli;
import dev.metis.testing.ExternalTool;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator guide's card walk-through, as written: deploy/dev/demo-card, then metis image. */
class DemoCardIT {

    @TempDir
    Path dir;

    @Test
    void theGuidesDemoImageBecomesACardImage() throws Exception {
        for (String tool : new String[] {"sfdisk", "mkfs.vfat", "mcopy", "xz"}) {
            ExternalTool.require(tool);
        }
        ExternalTool.Result demo = ExternalTool.run(Path.of("."), "deploy/dev/demo-card", dir.toString());
        assertThat(demo.exitCode()).as(demo.all()).isZero();
        Path inventory = dir.resolve("inventory.yaml");
        Path output = dir.resolve("pi4-01.img");
        Cli.Run image = Cli.run("image", "--inventory", inventory.toString(), "--node", "pi4-01", "--output",
                output.toString(), "--cache", dir.resolve("cache").toString(), "--state-dir", dir.resolve("state").toString());
        assertThat(image.exitCode()).as(image.all()).isZero();
        Cli.Run rendered = Cli.run("render", "--inventory", inventory.toString(), "--node", "pi4-01", "--reveal-secrets",
                "--state-dir", dir.resolve("state").toString(), "user-data");
        byte[] onCard = GoldenImageBuilder.mtype(output, "user-data");
        assertThat(new String(onCard, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(rendered.out());
        assertThat(new String(GoldenImageBuilder.mtype(output, "cmdline.txt"), java.nio.charset.StandardCharsets.UTF_8))
                .contains(" ds=nocloud;i=metis-");
    }
}
