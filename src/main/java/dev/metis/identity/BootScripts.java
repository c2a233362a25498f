package dev.metis.identity;

import java.nio.charset.StandardCharsets;

/** The iPXE scripts that are not a node's own: the generic chain script and "boot from disk". */
public final class BootScripts {

    /**
     * iPXE's exit status. Not 0: UEFI firmware takes a boot option that returns success as "done" and shows its
     * boot menu (EDK2's BDS does, as the UEFI spec allows) instead of trying the next option, the disk; an
     * error makes it go on. BIOS firmware goes on to the next device either way. Seen with OVMF in RealOsIT.
     */
    static final int NEXT_BOOT_DEVICE = 1;

    private BootScripts() {
    }

    /**
     * Sends any iPXE client to its per-MAC script. A plain DHCP offer can win the race against the
     * proxy offer and leave {@code ${filename}} empty, so DHCP is retried a bounded number of times.
     */
    public static byte[] chain(ServerUrls urls) {
        return ("#!ipxe\n"
                + "# Metis: fetch this machine's own boot script by its MAC address.\n"
                + "isset ${filename} || dhcp ||\n"
                + "isset ${filename} || dhcp ||\n"
                + "isset ${filename} || dhcp ||\n"
                + "chain " + urls.nodeScriptForIpxe() + " ||\n"
                + "# Here when the node's script ended without booting (it exits to disk) or was not found.\n"
                + "exit " + NEXT_BOOT_DEVICE + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Ends iPXE so the firmware moves on to the next boot device, normally the local disk. */
    public static byte[] exitToDisk(String reason) {
        return ("#!ipxe\n"
                + "# Metis: " + reason.replace('\n', ' ') + "\n"
                + "echo Metis: " + reason.replace('\n', ' ') + ", booting from local disk\n"
                + "exit " + NEXT_BOOT_DEVICE + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
