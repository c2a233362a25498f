package dev.metis.state;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Where a node is in its provisioning cycle. Inventory nodes start {@code ARMED}; fetching their
 * script or seed makes them {@code BOOTING}; the phone-home makes them {@code PROVISIONED}, after
 * which they boot from disk until re-armed. {@code DISCOVERED} is an unknown MAC that asked to boot.
 */
public enum NodeState {
    DISCOVERED, ARMED, BOOTING, PROVISIONED;

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
