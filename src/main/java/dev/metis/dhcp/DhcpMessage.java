package dev.metis.dhcp;

import dev.metis.net.Ipv4;
import dev.metis.net.MacAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * A decoded BOOTP/DHCP message. Options are kept as raw bytes by code; the accessors read the ones
 * netboot clients use to say what they are.
 *
 * @param chaddr the client MAC, or null when the hardware type is not Ethernet
 */
public record DhcpMessage(int op, int xid, int secs, int flags, Ipv4 ciaddr, Ipv4 yiaddr, Ipv4 siaddr, Ipv4 giaddr,
        byte[] chaddrRaw, MacAddress chaddr, Integer messageType, Map<Integer, byte[]> options) {

    public static final int BOOTREQUEST = 1;
    public static final int BOOTREPLY = 2;
    public static final int DISCOVER = 1;
    public static final int OFFER = 2;
    public static final int REQUEST = 3;
    public static final int ACK = 5;

    public static final int OPT_REQUESTED_ADDRESS = 50;
    public static final int OPT_MESSAGE_TYPE = 53;
    public static final int OPT_SERVER_ID = 54;
    public static final int OPT_VENDOR_CLASS = 60;
    public static final int OPT_VENDOR_SPECIFIC = 43;
    public static final int OPT_USER_CLASS = 77;
    public static final int OPT_CLIENT_ARCH = 93;
    public static final int OPT_CLIENT_UUID = 97;
    public static final int OPT_IPXE_ENCAP = 175;

    public DhcpMessage {
        options = Map.copyOf(options);
    }

    public Optional<byte[]> option(int code) {
        byte[] value = options.get(code);
        return value == null ? Optional.empty() : Optional.of(value.clone());
    }

    /**
     * The address a DHCPREQUEST asks for: option 50 (selecting, init-reboot), else {@code ciaddr}
     * (renewing); empty when neither holds one.
     */
    public Optional<Ipv4> requestedAddress() {
        Optional<Ipv4> requested = option(OPT_REQUESTED_ADDRESS).filter(v -> v.length == 4).map(Ipv4::of);
        return requested.or(() -> Optional.of(ciaddr)).filter(a -> a.bits() != 0);
    }

    public String vendorClass() {
        return option(OPT_VENDOR_CLASS).map(v -> new String(v, StandardCharsets.US_ASCII)).orElse("");
    }

    /** Option 93, the first architecture the client lists (RFC 4578), if sent and well formed. */
    public Optional<Integer> clientArch() {
        return option(OPT_CLIENT_ARCH).filter(v -> v.length >= 2 && v.length % 2 == 0)
                .map(v -> ((v[0] & 0xff) << 8) | (v[1] & 0xff));
    }

    /**
     * iPXE sends option 77 as the plain bytes {@code iPXE}, not in RFC 3004 form, so both are read:
     * the raw value, or a length-prefixed first class.
     */
    public boolean isIpxe() {
        return option(OPT_USER_CLASS).map(v -> {
            String raw = new String(v, StandardCharsets.US_ASCII);
            if (raw.equals("iPXE")) {
                return true;
            }
            return v.length > 1 && (v[0] & 0xff) == v.length - 1
                    && new String(v, 1, v.length - 1, StandardCharsets.US_ASCII).equals("iPXE");
        }).orElse(false);
    }
}
