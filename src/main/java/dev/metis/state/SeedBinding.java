package dev.metis.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * What ties one MAC address's seed to the machine that is booting with it (see
 * {@code dev.metis.boot.SeedBindings}); every field but {@code mac} may be absent.
 *
 * @param token        the seed token of the last script served for the MAC (URL-safe base64)
 * @param issuedAt     when that script was served
 * @param scriptFrom   the address that fetched it
 * @param spent        the node phoned home since: the token opens nothing any more
 * @param dhcpAddress  the address proxy-DHCP last saw the MAC ask the site's DHCP server for
 * @param dhcpSeenAt   when
 * @param fetchedFrom  the address that first fetched user-data with the token: the binding stays there
 * @param conflictWith another address that claimed the MAC after that fetch: both are refused until re-armed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SeedBinding(String mac, String token, Instant issuedAt, String scriptFrom, boolean spent,
        String dhcpAddress, Instant dhcpSeenAt, String fetchedFrom, String conflictWith) {

    public static SeedBinding none(String mac) {
        return new SeedBinding(mac, null, null, null, false, null, null, null, null);
    }

    public SeedBinding withToken(String newToken, Instant at, String from) {
        return new SeedBinding(mac, newToken, at, from, false, dhcpAddress, dhcpSeenAt, null, null);
    }

    public SeedBinding withDhcp(String address, Instant at) {
        return new SeedBinding(mac, token, issuedAt, scriptFrom, spent, address, at, fetchedFrom, conflictWith);
    }

    public SeedBinding fetchedBy(String address) {
        return new SeedBinding(mac, token, issuedAt, scriptFrom, spent, dhcpAddress, dhcpSeenAt, address, conflictWith);
    }

    public SeedBinding inConflictWith(String address) {
        return new SeedBinding(mac, token, issuedAt, scriptFrom, spent, dhcpAddress, dhcpSeenAt, fetchedFrom, address);
    }

    public SeedBinding spend() {
        return new SeedBinding(mac, token, issuedAt, scriptFrom, true, dhcpAddress, dhcpSeenAt, fetchedFrom, conflictWith);
    }

    /**
     * The token, the script's address, the fetch and any conflict dropped; what DHCP saw stays, it is still
     * the MAC's lease.
     */
    public SeedBinding revoke() {
        return new SeedBinding(mac, null, null, null, false, dhcpAddress, dhcpSeenAt, null, null);
    }
}
