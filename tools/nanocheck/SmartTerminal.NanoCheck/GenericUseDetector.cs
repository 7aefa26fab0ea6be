using System.Collections.Immutable;
using System.Reflection.Metadata;

namespace SmartTerminal.NanoCheck;

/// <summary>
/// A signature type provider that decodes a signature blob and notes whether it mentions a
/// generic instantiation (GENERICINST) or a generic parameter (VAR / MVAR) anywhere inside.
/// </summary>
internal sealed class GenericUseDetector : ISignatureTypeProvider<string, object?>
{
    public List<string> Findings { get; } = [];

    public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments)
    {
        var text = $"{genericType}<{string.Join(",", typeArguments)}>";
        Findings.Add($"generic instantiation {text}");
        return text;
    }

    public string GetGenericMethodParameter(object? genericContext, int index)
    {
        Findings.Add($"generic method parameter !!{index}");
        return $"!!{index}";
    }

    public string GetGenericTypeParameter(object? genericContext, int index)
    {
        Findings.Add($"generic type parameter !{index}");
        return $"!{index}";
    }

    public string GetArrayType(string elementType, ArrayShape shape) => $"{elementType}[{new string(',', shape.Rank - 1)}]";

    public string GetByReferenceType(string elementType) => elementType + "&";

    public string GetFunctionPointerType(MethodSignature<string> signature) => "method*";

    public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;

    public string GetPinnedType(string elementType) => elementType;

    public string GetPointerType(string elementType) => elementType + "*";

    public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();

    public string GetSZArrayType(string elementType) => elementType + "[]";

    public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) =>
        reader.GetString(reader.GetTypeDefinition(handle).Name);

    public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) =>
        reader.GetString(reader.GetTypeReference(handle).Name);

    public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
        reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
}
