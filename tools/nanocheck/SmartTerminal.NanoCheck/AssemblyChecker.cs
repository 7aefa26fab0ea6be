using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace SmartTerminal.NanoCheck;

/// <summary>
/// Checks a compiled device assembly against what the stable nanoFramework runtime can run.
/// The C# compiler happily emits generics against nanoFramework's mscorlib (it declares
/// Action&lt;T&gt; and friends), but the runtime cannot execute them, so the metadata itself is read:
/// no GenericParam or MethodSpec rows, no generic instantiation in any signature, no type
/// reference to a generic type, and no assembly reference outside the allowed ones (mscorlib alone
/// for the device core; mscorlib and the nanoFramework class libraries for the firmware head).
/// </summary>
public static class AssemblyChecker
{
    private static readonly string[] CoreReferences = ["mscorlib"];

    public static IReadOnlyList<Violation> Check(string assemblyPath) => Check(assemblyPath, CoreReferences);

    public static IReadOnlyList<Violation> Check(string assemblyPath, IReadOnlyCollection<string> allowedReferences)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        try
        {
            if (!pe.HasMetadata)
            {
                return [new Violation("not-an-assembly", assemblyPath, "no CLI metadata")];
            }

            return Check(pe.GetMetadataReader(), allowedReferences);
        }
        catch (BadImageFormatException e)
        {
            return [new Violation("not-an-assembly", assemblyPath, e.Message)];
        }
    }

    public static IReadOnlyList<Violation> Check(MetadataReader reader) => Check(reader, CoreReferences);

    public static IReadOnlyList<Violation> Check(MetadataReader reader, IReadOnlyCollection<string> allowedReferences)
    {
        var violations = new List<Violation>();
        CheckAssemblyReferences(reader, allowedReferences, violations);
        CheckGenericTables(reader, violations);
        CheckTypeReferences(reader, violations);
        CheckSignatures(reader, violations);
        return violations;
    }

    private static void CheckAssemblyReferences(MetadataReader reader, IReadOnlyCollection<string> allowedReferences, List<Violation> violations)
    {
        foreach (var handle in reader.AssemblyReferences)
        {
            var name = reader.GetString(reader.GetAssemblyReference(handle).Name);
            if (!allowedReferences.Contains(name, StringComparer.Ordinal))
            {
                violations.Add(new Violation("assembly-reference", "AssemblyRef", $"references {name}; only {string.Join(", ", allowedReferences)} allowed"));
            }
        }
    }

    private static void CheckGenericTables(MetadataReader reader, List<Violation> violations)
    {
        var genericParams = reader.GetTableRowCount(TableIndex.GenericParam);
        if (genericParams > 0)
        {
            foreach (var type in reader.TypeDefinitions)
            {
                var definition = reader.GetTypeDefinition(type);
                if (definition.GetGenericParameters().Count > 0)
                {
                    violations.Add(new Violation("generic-definition", TypeName(reader, definition), "defines a generic type"));
                }

                foreach (var methodHandle in definition.GetMethods())
                {
                    var method = reader.GetMethodDefinition(methodHandle);
                    if (method.GetGenericParameters().Count > 0)
                    {
                        violations.Add(new Violation("generic-definition", $"{TypeName(reader, definition)}.{reader.GetString(method.Name)}", "defines a generic method"));
                    }
                }
            }

            violations.Add(new Violation("generic-definition", "GenericParam table", $"{genericParams} row(s)"));
        }

        var methodSpecs = reader.GetTableRowCount(TableIndex.MethodSpec);
        if (methodSpecs > 0)
        {
            violations.Add(new Violation("generic-instance", "MethodSpec table", $"{methodSpecs} generic method instantiation(s)"));
        }
    }

    private static void CheckTypeReferences(MetadataReader reader, List<Violation> violations)
    {
        foreach (var handle in reader.TypeReferences)
        {
            var reference = reader.GetTypeReference(handle);
            var name = reader.GetString(reference.Name);
            if (name.Contains('`', StringComparison.Ordinal))
            {
                violations.Add(new Violation("generic-reference", $"{reader.GetString(reference.Namespace)}.{name}", "refers to a generic type"));
            }
        }
    }

    private static void CheckSignatures(MetadataReader reader, List<Violation> violations)
    {
        var detector = new GenericUseDetector();

        void Record(string location, Action decode)
        {
            detector.Findings.Clear();
            decode();
            foreach (var finding in detector.Findings.Distinct())
            {
                violations.Add(new Violation("generic-instance", location, finding));
            }
        }

        for (var row = 1; row <= reader.GetTableRowCount(TableIndex.TypeSpec); row++)
        {
            var handle = MetadataTokens.TypeSpecificationHandle(row);
            Record($"TypeSpec #{row}", () => reader.GetTypeSpecification(handle).DecodeSignature(detector, null));
        }

        foreach (var type in reader.TypeDefinitions)
        {
            var definition = reader.GetTypeDefinition(type);
            var typeName = TypeName(reader, definition);
            foreach (var fieldHandle in definition.GetFields())
            {
                var field = reader.GetFieldDefinition(fieldHandle);
                Record($"{typeName}.{reader.GetString(field.Name)}", () => field.DecodeSignature(detector, null));
            }

            foreach (var methodHandle in definition.GetMethods())
            {
                var method = reader.GetMethodDefinition(methodHandle);
                Record($"{typeName}.{reader.GetString(method.Name)}", () => method.DecodeSignature(detector, null));
            }

            foreach (var propertyHandle in definition.GetProperties())
            {
                var property = reader.GetPropertyDefinition(propertyHandle);
                Record($"{typeName}.{reader.GetString(property.Name)}", () => property.DecodeSignature(detector, null));
            }
        }

        foreach (var handle in reader.MemberReferences)
        {
            var member = reader.GetMemberReference(handle);
            var location = $"MemberRef {reader.GetString(member.Name)}";
            Record(location, () =>
            {
                if (member.GetKind() == MemberReferenceKind.Method)
                {
                    member.DecodeMethodSignature(detector, null);
                }
                else
                {
                    member.DecodeFieldSignature(detector, null);
                }
            });
        }

        for (var row = 1; row <= reader.GetTableRowCount(TableIndex.StandAloneSig); row++)
        {
            var signature = reader.GetStandaloneSignature(MetadataTokens.StandaloneSignatureHandle(row));
            Record($"StandAloneSig #{row}", () =>
            {
                if (signature.GetKind() == StandaloneSignatureKind.LocalVariables)
                {
                    signature.DecodeLocalSignature(detector, null);
                }
                else
                {
                    signature.DecodeMethodSignature(detector, null);
                }
            });
        }
    }

    private static string TypeName(MetadataReader reader, TypeDefinition definition)
    {
        var ns = reader.GetString(definition.Namespace);
        var name = reader.GetString(definition.Name);
        return ns.Length == 0 ? name : $"{ns}.{name}";
    }
}
