namespace SmartTerminal.PolicyService.Storage;

/// <summary>The current signed policy of every device, as stored: the source of the retained messages.</summary>
public sealed class StoredEnvelopes(Database database)
{
    public IReadOnlyList<(string DeviceId, byte[] Envelope)> All()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT device_id, envelope FROM device_policies";
        using var reader = command.ExecuteReader();
        var result = new List<(string, byte[])>();
        while (reader.Read())
        {
            result.Add((reader.GetString(0), (byte[])reader[1]));
        }

        return result;
    }
}
