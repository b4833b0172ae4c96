#if canImport(Glibc)
import Glibc
#endif
import ICPModel

/// Whether this machine can send to an address at all: a UDP socket's connect() asks the
/// kernel's routing table and sends nothing.
enum Routes {
    static func exists(to address: IPAddress) -> Bool {
        let family = address.isV6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return errno != EAFNOSUPPORT }  // no IPv6 at all; otherwise no socket to ask with
        defer { close(fd) }
        var rc: Int32
        if address.isV6 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = UInt16(9).bigEndian
            _ = inet_pton(AF_INET6, address.description, &sa.sin6_addr)
            rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = UInt16(9).bigEndian
            _ = inet_pton(AF_INET, address.description, &sa.sin_addr)
            rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        return rc == 0 || !(errno == ENETUNREACH || errno == EADDRNOTAVAIL)
    }
}
