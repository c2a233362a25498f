package dev.metis.inventory;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

public enum Arch {
    AMD64, ARM64;

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
