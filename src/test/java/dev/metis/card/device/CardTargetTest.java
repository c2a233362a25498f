package dev.metis.card.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.metis.card.image.CardException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which paths may be written: under /dev only block devices that are there, elsewhere files too. */
class CardTargetTest {

    @TempDir
    Path dir;

    @Test
    void aDeviceThatIsNotThereIsRefusedInsteadOfBecomingAFile() {
        assertThatThrownBy(() -> CardTarget.inspect(Path.of("/dev/metis-no-such-card")))
                .isInstanceOf(CardException.class)
                .hasMessageContaining("/dev/metis-no-such-card does not exist")
                .hasMessageContaining("must be a whole-disk block device");
        assertThat(Path.of("/dev/metis-no-such-card")).doesNotExist();
    }

    @Test
    void aRegularFileAmongTheDevicesIsRefused() throws Exception {
        Path devices = Files.createDirectories(dir.resolve("dev"));
        Path stray = Files.writeString(devices.resolve("sdb"), "left by an earlier burn");
        assertThatThrownBy(() -> CardTarget.inspect(stray, devices)).isInstanceOf(CardException.class)
                .hasMessageContaining("is a regular file under " + devices + ", not a block device");
        assertThatThrownBy(() -> CardTarget.inspect(devices.resolve("sdc"), devices))
                .hasMessageContaining("does not exist");
    }

    @Test
    void aCharacterDeviceIsNeitherABlockDeviceNorAFile() {
        assertThatThrownBy(() -> CardTarget.inspect(Path.of("/dev/null")))
                .hasMessageContaining("is neither a block device nor a regular file");
    }

    @Test
    void outsideTheDevicesANewFileIsFine() throws Exception {
        CardTarget target = CardTarget.inspect(dir.resolve("node.img"));
        assertThat(target.blockDevice()).isFalse();
        assertThat(target.refusals()).isEmpty();
        assertThat(target.description()).isEqualTo("new file, written sparse");
    }
}
