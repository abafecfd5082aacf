import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP connect with a deadline, to tell whether something listens (no protocol spoken).
enum TCPProbe {
    /// nil when a connection to `host:port` opened within `timeoutMS`, else why not.
    static func connect(host: String, port: Int, timeoutMS: Int32) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var found: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &found)
        guard resolved == 0, let first = found else { return "cannot resolve \(host): \(String(cString: gai_strerror(resolved)))" }
        defer { freeaddrinfo(found) }
        var lastError = "no address for \(host)"
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let info = next {
            next = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else { lastError = String(cString: strerror(errno)); continue }
            defer { close(fd) }
            // Non-blocking connect, then wait for writability until the deadline.
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return nil }
            guard errno == EINPROGRESS else { lastError = String(cString: strerror(errno)); continue }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&poller, 1, timeoutMS)
            if ready == 0 { lastError = "no answer within \(timeoutMS) ms"; continue }
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
            if ready > 0 && code == 0 { return nil }
            lastError = String(cString: strerror(code != 0 ? code : errno))
        }
        return lastError
    }
}
