package dev.metis.inventory;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

public enum K3sRole {
    SERVER, AGENT;

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
