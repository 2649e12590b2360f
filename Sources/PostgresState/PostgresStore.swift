import PostgresNIO
import Watch

/// The shared store on PostgreSQL (issue 17): the same ``Watch/Store`` as `SQLiteStore`, for
/// several replicas at once. Being built; see docs/ha.md.
public enum PostgresStoreNamespace {}
