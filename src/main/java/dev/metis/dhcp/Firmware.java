package dev.metis.dhcp;

import dev.metis.net.MacAddress;
import java.util.Optional;
import java.util.Set;

/** What kind of netboot client sent a request, from its vendor class, architecture and user class. */
public enum Firmware {
    /** Already iPXE: gets the HTTP URL of the chain script, never an iPXE binary again. */
    IPXE,
    BIOS,
    EFI_X64,
    EFI_ARM64,
    /** UEFI HTTP boot: gets an http:// URL and vendor class HTTPClient. */
    HTTP_X64,
    HTTP_ARM64,
    /** Raspberry Pi 4/5 EEPROM bootloader: needs the "Raspberry Pi Boot" menu, then TFTPs by serial. */
    RASPBERRY_PI;

    static final Set<String> RASPBERRY_PI_OUIS = Set.of("b8:27:eb", "dc:a6:32", "e4:5f:01", "28:cd:c1", "d8:3a:dd");

    public boolean isHttpBoot() {
        return this == HTTP_X64 || this == HTTP_ARM64;
    }

    public static boolean isRaspberryPi(MacAddress mac) {
        return mac != null && RASPBERRY_PI_OUIS.contains(mac.oui());
    }

    /** Empty for anything that is not a netboot client Metis can serve (RFC 4578 architecture codes). */
    public static Optional<Firmware> of(DhcpMessage message) {
        String vendor = message.vendorClass();
        boolean pxe = vendor.startsWith("PXEClient");
        boolean http = vendor.startsWith("HTTPClient");
        Optional<Integer> arch = message.clientArch();
        if ((!pxe && !http) || arch.isEmpty()) {
            return Optional.empty();
        }
        if (message.isIpxe()) {
            return Optional.of(IPXE);
        }
        return switch (arch.get()) {
            case 0 -> Optional.of(isRaspberryPi(message.chaddr()) ? RASPBERRY_PI : BIOS);
            case 7, 9 -> Optional.of(EFI_X64);
            case 11 -> Optional.of(EFI_ARM64);
            case 16 -> Optional.of(HTTP_X64);
            case 19 -> Optional.of(HTTP_ARM64);
            default -> Optional.empty(); // 32-bit x86 and ARM EFI: no iPXE build is served for them
        };
    }
}
