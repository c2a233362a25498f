package dev.metis.transport;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A listening socket that could not be bound, named as the operator gave it: Netty's own message says only
 * "Address already in use", not which of Metis's services, address and port.
 */
final class BindFailure {

    private BindFailure() {
    }

    /**
     * @param what        the service and where, e.g. {@code HTTP on TCP 0.0.0.0:8080}
     * @param needs       what binding a low port takes, for a refused permission
     * @param whenInUse   the likely cause and way out when another socket holds the port
     */
    static IOException of(String what, Exception cause, String needs, String whenInUse) {
        String why = String.valueOf(cause.getMessage());
        String hint = why.contains("ermission") ? " (" + needs + ")"
                : why.contains("in use") ? " (" + whenInUse + ")" : "";
        return new IOException("cannot listen for " + what + ": " + why + hint, cause);
    }

    /** {@code address:port} as given, without the leading slash of {@link InetSocketAddress#toString}. */
    static String at(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }
}
