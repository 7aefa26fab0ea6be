using SmartTerminal.Device.Core.Storage;
using SmartTerminal.Device.Core.Tests.Enforcement;

namespace SmartTerminal.Device.Core.Tests.Storage;

public sealed class CrashSafeStorageTests
{
    private static readonly byte[] Old = [1, 1, 1, 1, 1, 1, 1, 1];
    private static readonly byte[] New = [2, 2, 2, 2, 2, 2, 2, 2, 2, 2];

    [Fact]
    public void Write_then_read_returns_the_bytes_and_leaves_no_temporary_files()
    {
        var files = new PowerCutFileSystem();
        var storage = new CrashSafeStorage(files);

        storage.Write("config.bin", Old, Old.Length);
        storage.Write("config.bin", New, 6);

        Assert.Equal(New.AsSpan(0, 6).ToArray(), storage.Read("config.bin"));
        Assert.Equal(["config.bin"], files.Names);
    }

    [Fact]
    public void Read_of_a_file_never_written_is_null()
    {
        Assert.Null(new CrashSafeStorage(new PowerCutFileSystem()).Read("config.bin"));
    }

    [Fact]
    public void A_power_cut_at_any_step_of_a_replace_leaves_the_old_or_the_new_file_never_none_or_torn()
    {
        var steps = StepsOfOneReplace();
        for (var cut = 0; cut < steps; cut++)
        {
            var files = new PowerCutFileSystem();
            new CrashSafeStorage(files).Write("config.bin", Old, Old.Length);
            files.CutAtStep = files.Steps + cut;

            Assert.Throws<PowerCutException>(() => new CrashSafeStorage(files).Write("config.bin", New, New.Length));

            var afterBoot = new CrashSafeStorage(files).Read("config.bin");
            Assert.True(Old.SequenceEqual(afterBoot) || New.SequenceEqual(afterBoot), $"cut at step {cut}: read {Describe(afterBoot)}");
            Assert.Equal(["config.bin"], files.Names);
        }
    }

    [Fact]
    public void Once_the_new_version_is_committed_a_cut_still_ends_with_the_new_file()
    {
        // Steps of a replace over an existing file: write .tmp, move to .new (commit), delete, move.
        for (var cut = 2; cut < StepsOfOneReplace(); cut++)
        {
            var files = new PowerCutFileSystem();
            new CrashSafeStorage(files).Write("policy.bin", Old, Old.Length);
            files.CutAtStep = files.Steps + cut;
            Assert.Throws<PowerCutException>(() => new CrashSafeStorage(files).Write("policy.bin", New, New.Length));

            Assert.Equal(New, new CrashSafeStorage(files).Read("policy.bin"));
        }
    }

    [Fact]
    public void A_cut_during_the_very_first_write_leaves_no_file_rather_than_a_torn_one()
    {
        for (var cut = 0; cut < 3; cut++)
        {
            var files = new PowerCutFileSystem { CutAtStep = cut };
            Assert.Throws<PowerCutException>(() => new CrashSafeStorage(files).Write("config.bin", New, New.Length));

            var afterBoot = new CrashSafeStorage(files).Read("config.bin");
            Assert.True(afterBoot is null || New.SequenceEqual(afterBoot), $"cut at step {cut}: read {Describe(afterBoot)}");
        }
    }

    [Fact]
    public void A_second_cut_during_recovery_is_recovered_at_the_next_boot()
    {
        var steps = StepsOfOneReplace();
        for (var first = 0; first < steps; first++)
        {
            for (var second = 0; second < 4; second++)
            {
                var files = new PowerCutFileSystem();
                new CrashSafeStorage(files).Write("state.a", Old, Old.Length);
                files.CutAtStep = files.Steps + first;
                Assert.Throws<PowerCutException>(() => new CrashSafeStorage(files).Write("state.a", New, New.Length));

                files.CutAtStep = files.Steps + second;
                try
                {
                    new CrashSafeStorage(files).Read("state.a");
                }
                catch (PowerCutException)
                {
                    // The recovery itself was cut; the next boot must still repair it.
                }

                files.CutAtStep = null;
                var afterBoot = new CrashSafeStorage(files).Read("state.a");
                Assert.True(Old.SequenceEqual(afterBoot) || New.SequenceEqual(afterBoot), $"cuts at {first} then {second}: read {Describe(afterBoot)}");
            }
        }
    }

    [Fact]
    public void A_write_after_an_interrupted_one_wins()
    {
        for (var cut = 0; cut < StepsOfOneReplace(); cut++)
        {
            var files = new PowerCutFileSystem();
            new CrashSafeStorage(files).Write("meta", Old, Old.Length);
            files.CutAtStep = files.Steps + cut;
            Assert.Throws<PowerCutException>(() => new CrashSafeStorage(files).Write("meta", New, New.Length));

            var storage = new CrashSafeStorage(files);
            byte[] third = [3, 3, 3];
            storage.Write("meta", third, third.Length);

            Assert.Equal(third, storage.Read("meta"));
            Assert.Equal(["meta"], files.Names);
        }
    }

    [Theory]
    [InlineData(0, "new")] // the delete never started: the committed write stands
    [InlineData(1, "old")] // the pending version went first, so the old file cannot be replaced by it
    [InlineData(2, "none")] // both gone: the file stays deleted
    public void A_delete_cut_midway_never_brings_back_a_pending_version(int cut, string expected)
    {
        var files = new PowerCutFileSystem();
        var storage = new CrashSafeStorage(files);
        storage.Write("f", Old, Old.Length);
        // Leave a committed but not yet promoted version behind, as a cut after the commit does.
        files.CutAtStep = files.Steps + 2;
        Assert.Throws<PowerCutException>(() => storage.Write("f", New, New.Length));

        files.CutAtStep = files.Steps + cut;
        try
        {
            storage.Delete("f");
        }
        catch (PowerCutException)
        {
            // Cut midway.
        }

        files.CutAtStep = null;
        var read = new CrashSafeStorage(files).Read("f");
        Assert.Equal(expected, read is null ? "none" : Old.SequenceEqual(read) ? "old" : New.SequenceEqual(read) ? "new" : Describe(read));
    }

    [Fact]
    public void Appended_files_pass_straight_through()
    {
        var files = new PowerCutFileSystem();
        var storage = new CrashSafeStorage(files);

        storage.Append("seg", Old, 0, 4);
        storage.Append("seg", New, 0, 3);
        storage.Truncate("seg", 5);
        var buffer = new byte[8];

        Assert.Equal(5, storage.Length("seg"));
        Assert.Equal(5, storage.ReadAt("seg", 0, buffer, 0, 8));
        Assert.Equal(new byte[] { 1, 1, 1, 1, 2, 0, 0, 0 }, buffer);
    }

    private static int StepsOfOneReplace()
    {
        var files = new PowerCutFileSystem();
        var storage = new CrashSafeStorage(files);
        storage.Write("x", Old, Old.Length);
        var before = files.Steps;
        storage.Write("x", New, New.Length);
        return files.Steps - before;
    }

    private static string Describe(byte[]? data) => data is null ? "no file" : $"[{string.Join(",", data)}]";
}
