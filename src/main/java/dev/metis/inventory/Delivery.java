package dev.metis.inventory;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a node gets its identity: fetched over the network at boot, or written onto its SD card. */
public enum Delivery {
    NETBOOT, SDCARD;

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
