import Foundation

/// Finds the database file when no flag names one.
public enum DatabaseLocation {
    /// The environment variable that names the database (a path, or later a `postgres://` URL).
    public static let environmentKey = "RUMORCONTROL_DATABASE"

    /// The database to use: the flag, else `RUMORCONTROL_DATABASE`, else the default file.
    /// - Parameters:
    ///   - flag: the value of `--database`, if given.
    ///   - environment: the process environment.
    public static func resolve(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let value = environment[environmentKey], !value.isEmpty { return value }
        return defaultPath(environment: environment)
    }

    /// `$XDG_DATA_HOME/rumorcontrol/rumorcontrol.sqlite`, or `~/.local/share/rumorcontrol/rumorcontrol.sqlite`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return dataHome + "/rumorcontrol/rumorcontrol.sqlite"
    }
}
