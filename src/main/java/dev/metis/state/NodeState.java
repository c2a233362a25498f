package dev.metis.state;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Where a node is in its provisioning cycle. Inventory nodes start {@code ARMED}; fetching their
 * script or seed makes them {@code BOOTING}; a node that installs its image to disk is {@code INSTALLED}
 * once the recovery environment verified the disk (it then boots from disk, and has yet to phone home);
 * the phone-home makes them {@code PROVISIONED}, after which they boot from disk until re-armed.
 * {@code DISCOVERED} is an unknown MAC that asked to boot.
 */
public enum NodeState {
    DISCOVERED, ARMED, BOOTING, INSTALLED, PROVISIONED;

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
