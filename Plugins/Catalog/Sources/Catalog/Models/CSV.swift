import CLibCSV
import Foundation

/// CSV through libcsv (RFC 4180: quoted fields, doubled quotes, newlines inside quotes).
enum CSV {
    /// One record and the file line it starts on (1 = the first line).
    struct Record {
        var line: Int
        var fields: [String]
    }

    /// A file that could not be read past a point (e.g. a quote never closed).
    struct ParseError: Error {
        var line: Int
        var reason: String
    }

    /// Splits text into records. The text is fed to libcsv one physical line at a time,
    /// so each record knows the line it started on, even when a quoted field spans lines.
    static func parse(_ text: [UInt8]) throws(ParseError) -> [Record] {
        final class Sink {
            var records: [Record] = []
            var fields: [String] = []
            var recordStart = 1
        }
        let sink = Sink()
        var parser = csv_parser()
        guard csv_init(&parser, UInt8(CSV_STRICT | CSV_STRICT_FINI)) == 0 else { throw ParseError(line: 1, reason: "libcsv could not start") }
        defer { csv_free(&parser) }

        let onField: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Void = { data, length, context in
            let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
            sink.fields.append(data.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: length), as: UTF8.self) } ?? "")
        }
        let onRecord: @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void = { _, context in
            let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
            sink.records.append(Record(line: sink.recordStart, fields: sink.fields))
            sink.fields = []
        }
        let context = Unmanaged.passUnretained(sink).toOpaque()
        var start = 0, line = 1
        while start < text.count {
            let end = text[start...].firstIndex(of: 0x0A).map { $0 + 1 } ?? text.count
            let fed = text[start..<end].withUnsafeBytes { csv_parse(&parser, $0.baseAddress, $0.count, onField, onRecord, context) }
            guard fed == end - start else {
                throw ParseError(line: line, reason: String(cString: csv_strerror(csv_error(&parser))))
            }
            // pstate 0 is libcsv's ROW_NOT_BEGUN: no record is open, so the next one starts on the next line.
            if parser.pstate == 0 { sink.recordStart = line + 1 }
            line += 1
            start = end
        }
        guard csv_fini(&parser, onField, onRecord, context) == 0 else {
            throw ParseError(line: sink.recordStart, reason: "a quoted field is never closed")
        }
        return sink.records
    }

    /// One field as CSV (quoted when it holds a comma, quote or line break).
    static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || value.hasPrefix(" ") || value.hasSuffix(" ") else { return value }
        let source = Array(value.utf8)
        var out = [UInt8](repeating: 0, count: source.count * 2 + 2)
        let written = out.withUnsafeMutableBytes { dest in
            source.withUnsafeBytes { csv_write(dest.baseAddress, dest.count, $0.baseAddress, $0.count) }
        }
        return String(decoding: out.prefix(written), as: UTF8.self)
    }

    /// A record line, ending with CRLF as RFC 4180 writes it.
    static func line(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\r\n" }
}
