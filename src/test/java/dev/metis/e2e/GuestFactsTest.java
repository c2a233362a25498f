package dev.metis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.metis.files.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GuestFactsTest {

    private static final String BODY = """
            boot_count=2
            hostname=golden
            ipv4.enp0s3=10.77.0.50/24 10.77.0.51/24
            ipv4.enp0s4=192.168.9.2/24
            default_route=10.77.0.1 dev enp0s3
            dns=10.77.0.1 9.9.9.9
            user.ops.groups=ops,sudo
            user.ops.authorized_keys_sha256=abc
            journald.90-metis.conf=def
            cloud_init.errors=[]
            k3s.node-label=zone=a,rack=b
            """;

    /** The console of a guest: CRLF line ends, other output around, the block as the unit prints it. */
    private static String console(String body) {
        String end = "METIS-FACTS-END sha256=" + Sha256.hex(BODY.getBytes(StandardCharsets.UTF_8));
        return ("[  OK  ] Started ssh.service\ngolden login: METIS-FACTS-BEGIN\n" + body + end + "\n")
                .replace("\n", "\r\n");
    }

    @Test
    void readsAWholeBlockWithItsTypedFacts() {
        List<GuestFacts> blocks = GuestFacts.parseAll(console(BODY));

        assertThat(blocks).hasSize(1);
        GuestFacts facts = blocks.get(0);
        assertThat(facts.bootCount()).isEqualTo(2);
        assertThat(facts.hostname()).isEqualTo("golden");
        assertThat(facts.ipv4ByInterface()).containsEntry("enp0s3", List.of("10.77.0.50/24", "10.77.0.51/24"));
        assertThat(facts.ipv4Addresses()).containsExactly("10.77.0.50/24", "10.77.0.51/24", "192.168.9.2/24");
        assertThat(facts.defaultGateway()).isEqualTo("10.77.0.1");
        assertThat(facts.dnsServers()).containsExactly("10.77.0.1", "9.9.9.9");
        assertThat(facts.groupsOf("ops")).containsExactly("ops", "sudo");
        assertThat(facts.authorizedKeysSha256("ops")).contains("abc");
        assertThat(facts.authorizedKeysSha256("root")).isEmpty();
        assertThat(facts.journaldDropIns()).containsExactly(Map.entry("90-metis.conf", "def"));
        assertThat(facts.k3s("node-label")).as("a value keeps its own '='").contains("zone=a,rack=b");
        assertThat(facts.cloudInitErrors()).isEqualTo("[]");
    }

    @Test
    void leavesOutABlockThatOtherOutputCutIntoAndTakesTheNextCopy() {
        String cut = BODY.replace("hostname=golden\n", "hostname=gol[   12.3] random: crng init done\nden\n");

        assertThat(GuestFacts.parseAll(console(cut))).isEmpty();
        assertThat(GuestFacts.parseAll(console(cut) + console(BODY))).singleElement()
                .satisfies(facts -> assertThat(facts.hostname()).isEqualTo("golden"));
    }

    @Test
    void aBlockWithoutItsEndIsNotYetThere() {
        String console = console(BODY);

        assertThat(GuestFacts.parseAll(console.substring(0, console.indexOf("METIS-FACTS-END")))).isEmpty();
    }
}
