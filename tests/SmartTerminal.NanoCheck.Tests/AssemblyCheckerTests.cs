using Microsoft.CodeAnalysis;

namespace SmartTerminal.NanoCheck.Tests;

public sealed class AssemblyCheckerTests
{
    private static IReadOnlyList<Violation> CompileAndCheck(string source)
    {
        var (image, errors) = NanoCompiler.Compile(source);
        Assert.Empty(errors);
        return NanoCompiler.Check(image!);
    }

    [Fact]
    public void Plain_device_code_with_arrays_and_ArrayList_passes()
    {
        var violations = CompileAndCheck("""
            using System;
            using System.Collections;
            public sealed class Budget
            {
                private readonly ArrayList _items = new ArrayList();
                private readonly uint[] _hashes = new uint[] { 1, 2, 3 };
                public event EventHandler Changed;
                public int Find(uint hash) { return Array.IndexOf(_hashes, hash); }
                public void Add(object item) { _items.Add(item); if (Changed != null) Changed(this, EventArgs.Empty); }
                public string Describe(int i) { switch ("x" + i) { case "x1": return "one"; default: return i.ToString(); } }
            }
            """);

        Assert.Empty(violations);
    }

    [Fact]
    public void Func_of_int_int_is_rejected_although_it_compiles_against_nano_mscorlib()
    {
        var violations = CompileAndCheck("""
            using System;
            public static class Probe
            {
                public static int Apply(int x) { Func<int, int> twice = v => v * 2; return twice(x); }
            }
            """);

        Assert.Contains(violations, v => v.Rule == "generic-instance" && v.Detail.Contains("Func`2<Int32,Int32>"));
        Assert.Contains(violations, v => v.Rule == "generic-reference" && v.Location == "System.Func`2");
    }

    [Fact]
    public void Generic_type_definition_is_rejected()
    {
        var violations = CompileAndCheck("public sealed class Box<T> { public T Value; }");

        Assert.Contains(violations, v => v.Rule == "generic-definition" && v.Location == "Box`1");
    }

    [Fact]
    public void Generic_method_definition_and_its_call_are_rejected()
    {
        var violations = CompileAndCheck("""
            public static class Probe
            {
                public static T Same<T>(T value) { return value; }
                public static int Use() { return Same(3); }
            }
            """);

        Assert.Contains(violations, v => v.Rule == "generic-definition" && v.Location == "Probe.Same");
        Assert.Contains(violations, v => v.Rule == "generic-instance" && v.Location == "MethodSpec table");
    }

    [Fact]
    public void Generic_field_type_alone_is_rejected()
    {
        var violations = CompileAndCheck("""
            using System;
            public sealed class Holder { public Action<string> Callback; }
            """);

        Assert.Contains(violations, v => v.Location == "Holder.Callback" && v.Detail.Contains("Action`1<String>"));
    }

    [Fact]
    public void List_of_T_does_not_even_compile_against_nano_mscorlib()
    {
        var (image, errors) = NanoCompiler.Compile("""
            using System.Collections.Generic;
            public static class Probe { public static int Count() { var list = new List<int>(); return list.Count; } }
            """);

        Assert.Null(image);
        Assert.Contains(errors, e => e.Id == "CS0234" || e.Id == "CS0246");
    }

    [Fact]
    public void Reference_to_an_assembly_other_than_mscorlib_is_rejected()
    {
        var (library, libraryErrors) = NanoCompiler.Compile("public sealed class Helper { public static int One() { return 1; } }", "Helpers");
        Assert.Empty(libraryErrors);
        var (image, errors) = NanoCompiler.Compile(
            "public static class Probe { public static int Use() { return Helper.One(); } }",
            "Probe",
            MetadataReference.CreateFromImage(library!));
        Assert.Empty(errors);

        var violations = NanoCompiler.Check(image!);

        Assert.Contains(violations, v => v.Rule == "assembly-reference" && v.Detail.Contains("Helpers", StringComparison.Ordinal));
    }

    [Fact]
    public void Checker_reports_a_file_that_is_not_an_assembly()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, [0x4D, 0x5A, 0, 0]);

            var violations = AssemblyChecker.Check(path);

            Assert.Equal("not-an-assembly", Assert.Single(violations).Rule);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
