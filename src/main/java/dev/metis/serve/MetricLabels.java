package dev.metis.serve;

import dev.metis.boot.SeedBindings;
import dev.metis.dhcp.ProxyDhcpService;
import dev.metis.identity.Artifact;
import dev.metis.metrics.MetisMetrics;
import dev.metis.secrets.SecretUnavailableException;
import dev.metis.state.NodeEvent;
import dev.metis.state.StateStore;
import dev.metis.tftp.TftpTransfer;
import java.util.Arrays;
import java.util.List;

/** The label values the metrics export from the start, named by the types that own them. */
public final class MetricLabels {

    private MetricLabels() {
    }

    public static MetisMetrics.KnownLabels known() {
        return new MetisMetrics.KnownLabels(
                Arrays.stream(ProxyDhcpService.Port.values()).map(ProxyDhcpService.Port::label).toList(),
                Arrays.stream(TftpTransfer.Outcome.values()).filter(o -> o != TftpTransfer.Outcome.RUNNING)
                        .map(TftpTransfer.Outcome::label).toList(),
                Arrays.stream(SecretUnavailableException.Reason.values()).map(SecretUnavailableException.Reason::label).toList(),
                NodeEvent.ALL,
                Arrays.stream(StateStore.DiscoveredDrop.values()).map(StateStore.DiscoveredDrop::label).toList(),
                List.of(Artifact.IPXE.fileName(), Artifact.PI_CMDLINE.fileName(), Artifact.USER_DATA.fileName(),
                        SeedBindings.PHONE_HOME, SeedBindings.INSTALL_PLAN, SeedBindings.INSTALL_IMAGE,
                        SeedBindings.INSTALL_EVENT, SeedBindings.CLOUD_INIT_REPORT),
                Arrays.stream(SeedBindings.Reason.values()).map(SeedBindings.Reason::label).toList());
    }
}
