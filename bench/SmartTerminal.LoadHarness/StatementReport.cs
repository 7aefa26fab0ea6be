using Npgsql;
using SmartTerminal.Testing;

namespace SmartTerminal.LoadHarness;

/// <summary>
/// Where the state database's time went, on PostgreSQL: the statements of the run by total execution
/// time, from pg_stat_statements (the test cluster preloads it). Waiting for a lock counts as
/// execution time, so a contended lock shows up as a slow <c>pg_advisory_xact_lock</c>.
/// </summary>
public static class StatementReport
{
    public static async Task PrintAsync(PolicyServiceProcess service, int top = 15)
    {
        if (service.State.Provider != "PostgreSQL")
        {
            return;
        }

        await using var connection = new NpgsqlConnection(service.State.ConnectionString);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using var query = new NpgsqlCommand(
            """
            SELECT calls, total_exec_time, mean_exec_time, left(regexp_replace(query, '\s+', ' ', 'g'), 100)
            FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY total_exec_time DESC LIMIT @top
            """,
            connection);
        query.Parameters.AddWithValue("top", top);
        Console.WriteLine();
        Console.WriteLine("state database (PostgreSQL), statements by total time");
        Console.WriteLine("  |     calls |  total ms | mean ms | statement");
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            Console.WriteLine($"  | {reader.GetInt64(0),9:N0} | {reader.GetDouble(1),9:F0} | {reader.GetDouble(2),7:F3} | {reader.GetString(3)}");
        }
    }
}
