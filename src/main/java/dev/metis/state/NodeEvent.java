package dev.metis.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * One thing that happened to a node, as kept in the journal and shown by the API.
 *
 * @param hash the config hash involved (served or provisioned), if any
 * @param from the client address, if any
 * @param detail what the node said of the step (disk, bytes written, the failure, cloud-init's module), if anything
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeEvent(Instant at, String event, String hash, String from, String detail) {

    public static final String SCRIPT = "script";
    public static final String SEED = "seed";
    public static final String EXIT = "exit";
    public static final String PHONE_HOME = "phone-home";
    public static final String REARMED = "rearmed";
    /** Another address claimed the node's MAC after its user-data was fetched. */
    public static final String SEED_CONFLICT = "seed-conflict";
    /** An unknown MAC asked to boot; journaled for the MAC, not for a node. */
    public static final String DISCOVERED = "discovered";
    /** The recovery environment's steps as it reported them (see {@code InstallStep}). */
    public static final String INSTALL_STARTED = "install-started";
    public static final String INSTALL_PROGRESS = "install-progress";
    public static final String INSTALL_VERIFIED = "install-verified";
    public static final String INSTALL_FAILED = "install-failed";
    public static final String INSTALL_REBOOTING = "install-rebooting";
    /** A step of cloud-init's own, from its reporting webhook: a stage's end, or a module that failed. */
    public static final String CLOUD_INIT = "cloud-init";

    /** Every event the journal records. */
    public static final List<String> ALL = List.of(SCRIPT, SEED, EXIT, PHONE_HOME, REARMED, SEED_CONFLICT,
            DISCOVERED, INSTALL_STARTED, INSTALL_PROGRESS, INSTALL_VERIFIED, INSTALL_FAILED, INSTALL_REBOOTING,
            CLOUD_INIT);
}
