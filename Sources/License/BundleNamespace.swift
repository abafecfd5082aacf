/// Publisher namespaces: a plugin id must lie in the namespace of the key that signed its bundle.
public enum BundleNamespace {
    /// The platform vendor's namespace; it covers first-party ids (no dot, e.g. `cart`) and `eop.*`.
    public static let vendor = "eop"

    /// True when `pluginID` lies in `namespace`: equal to it or starting with `namespace.`;
    /// for the vendor namespace also any id without a dot.
    public static func contains(_ namespace: String, pluginID: String) -> Bool {
        if namespace == vendor && !pluginID.contains(".") { return true }
        return pluginID == namespace || pluginID.hasPrefix(namespace + ".")
    }

    /// True when `namespace` is a valid namespace: dot-separated lowercase labels of `a-z0-9-`.
    public static func isValid(_ namespace: String) -> Bool {
        let labels = namespace.split(separator: ".", omittingEmptySubsequences: false)
        return !labels.isEmpty && labels.allSatisfy { label in
            !label.isEmpty && label.allSatisfy { ($0.isASCII && $0.isLowercase) || $0.isNumber || $0 == "-" }
        }
    }
}
