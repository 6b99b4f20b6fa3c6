using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace EdgeLangevin.Firmware.Tests.Boards;

/// <summary>
/// Reads an assembly compiled against nanoFramework's mscorlib at the IL level (System.Reflection.Metadata)
/// and lists what the nanoFramework runtime and its metadata processor cannot take or the project forbids:
/// references other than mscorlib; generic types, methods and instantiations; unsigned (byte, ushort,
/// uint, ulong), floating-point (float, double, decimal) or native-int (IntPtr, UIntPtr) types in fields,
/// parameters, return values, locals and the operands of instructions; the unsigned, native and floating
/// conversions and the other instructions that make such values; and the static array data (field RVA
/// blobs) that the metadata processor must hold. char stays allowed: it is text (LineBuilder), never
/// arithmetic, and (char) compiles to conv.u2.
/// </summary>
internal sealed class NanoFrameworkIl
{
    /// <summary>
    /// nanoFramework's metadata processor (nanoframework/metadata-processor, MetadataProcessor.Shared/Tables/
    /// nanoSignaturesTable.cs) stores each static array's initial data in the assembly's signatures table
    /// (TBL_Signatures) as a 16-bit length and the bytes, and addresses every entry of that table (field,
    /// method and local signatures too) by a 16-bit offset (the field record's ushort; the processor's offset
    /// counter is a ushort too, so an entry past 64 KiB cannot be addressed). One array's data is limited to
    /// 65,535 bytes by the length, and every entry must start below 65,536; this check holds the whole table
    /// to 65,535 bytes, slightly stricter than the last entry's start.
    /// </summary>
    public const int SignatureTableLimitBytes = 0xFFFF;

    /// <summary>Bytes the metadata processor adds to each static array blob (its ushort length).</summary>
    public const int BlobLengthPrefixBytes = 2;

    /// <summary>Conversions to unsigned, native or floating values, unsigned arithmetic, float constants, stackalloc.</summary>
    private static readonly HashSet<short> ForbiddenOpCodes = new[]
    {
        OpCodes.Conv_U1, OpCodes.Conv_U4, OpCodes.Conv_U8, OpCodes.Conv_U, OpCodes.Conv_I, OpCodes.Conv_R4, OpCodes.Conv_R8, OpCodes.Conv_R_Un,
        OpCodes.Conv_Ovf_U1, OpCodes.Conv_Ovf_U2, OpCodes.Conv_Ovf_U4, OpCodes.Conv_Ovf_U8, OpCodes.Conv_Ovf_U, OpCodes.Conv_Ovf_I,
        OpCodes.Conv_Ovf_I1_Un, OpCodes.Conv_Ovf_I2_Un, OpCodes.Conv_Ovf_I4_Un, OpCodes.Conv_Ovf_I8_Un, OpCodes.Conv_Ovf_I_Un,
        OpCodes.Conv_Ovf_U1_Un, OpCodes.Conv_Ovf_U2_Un, OpCodes.Conv_Ovf_U4_Un, OpCodes.Conv_Ovf_U8_Un, OpCodes.Conv_Ovf_U_Un,
        OpCodes.Ldc_R4, OpCodes.Ldc_R8, OpCodes.Div_Un, OpCodes.Rem_Un, OpCodes.Shr_Un,
        OpCodes.Ldind_U4, OpCodes.Ldind_R4, OpCodes.Ldind_R8, OpCodes.Ldind_I, OpCodes.Stind_R4, OpCodes.Stind_R8, OpCodes.Stind_I,
        OpCodes.Ldelem_U4, OpCodes.Ldelem_R4, OpCodes.Ldelem_R8, OpCodes.Ldelem_I, OpCodes.Stelem_R4, OpCodes.Stelem_R8, OpCodes.Stelem_I,
        OpCodes.Localloc, OpCodes.Ckfinite,
    }.Select(o => o.Value).ToHashSet();

    private static readonly Dictionary<short, OpCode> AllOpCodes = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    public List<string> Violations { get; } = [];
    public List<string> AssemblyReferences { get; } = [];
    public int Types { get; private set; }
    public int Methods { get; private set; }
    public int Fields { get; private set; }
    public int Parameters { get; private set; }
    public int Locals { get; private set; }
    public int Instructions { get; private set; }
    public int MemberOperands { get; private set; }
    public int CharConversions { get; private set; }
    /// <summary>Static array initialisers (fields with RVA data) and their total size in bytes.</summary>
    public int StaticArrays { get; private set; }
    public long StaticArrayBytes { get; private set; }
    public long LargestStaticArrayBytes { get; private set; }
    /// <summary>Size of the ECMA-335 #Blob heap: the assembly's other signatures, encoded as .NET does.</summary>
    public int BlobHeapBytes { get; private set; }

    /// <summary>
    /// The signatures-table bytes to hold against <see cref="SignatureTableLimitBytes"/>: every static array blob
    /// with its length prefix, plus the other signatures counted as twice the #Blob heap (nanoFramework writes
    /// every type reference in 2 bytes where ECMA-335's compressed tokens often take 1; custom attribute blobs,
    /// also in #Blob, are kept in the estimate although the processor stores few of them). An upper estimate,
    /// not the processor's own count: the processor cannot run here (no package).
    /// </summary>
    public long SignatureTableEstimateBytes => StaticArrayBytes + (long)BlobLengthPrefixBytes * StaticArrays + 2L * BlobHeapBytes;

    private readonly MetadataReader _md;
    private readonly PEReader _pe;
    private readonly TypeShapes _shapes;

    private NanoFrameworkIl(PEReader pe)
    {
        _pe = pe;
        _md = pe.GetMetadataReader();
        _shapes = new TypeShapes();
    }

    public static NanoFrameworkIl Analyse(byte[] image)
    {
        using var pe = new PEReader(ImmutableArray.Create(image));
        var il = new NanoFrameworkIl(pe);
        il.Run();
        return il;
    }

    public string Summary =>
        $"{Types} types, {Methods} methods, {Fields} fields, {Parameters} parameters, {Locals} locals, {Instructions} IL instructions " +
        $"({MemberOperands} member/type operands, {CharConversions} conv.u2 for char), references [{string.Join(", ", AssemblyReferences)}], " +
        $"{StaticArrays} static arrays of {StaticArrayBytes} bytes (largest {LargestStaticArrayBytes}), #Blob heap {BlobHeapBytes} bytes, " +
        $"signatures-table estimate {SignatureTableEstimateBytes} of {SignatureTableLimitBytes} bytes, {Violations.Count} violations";

    private void Run()
    {
        foreach (AssemblyReferenceHandle h in _md.AssemblyReferences)
            AssemblyReferences.Add(_md.GetString(_md.GetAssemblyReference(h).Name));
        if (_md.GetTableRowCount(TableIndex.GenericParam) > 0) Violations.Add($"{_md.GetTableRowCount(TableIndex.GenericParam)} generic parameter(s) declared");
        if (_md.GetTableRowCount(TableIndex.MethodSpec) > 0) Violations.Add($"{_md.GetTableRowCount(TableIndex.MethodSpec)} generic method instantiation(s)");
        BlobHeapBytes = _md.GetHeapSize(HeapIndex.Blob);

        foreach (TypeReferenceHandle h in _md.TypeReferences)
        {
            string name = TypeShapes.Name(_md, h);
            if (TypeShapes.Forbidden.Contains(name) || name.Contains('`')) Violations.Add($"type reference {name}");
        }
        for (int row = 1; row <= _md.GetTableRowCount(TableIndex.TypeSpec); row++)
            Check("type specification", _md.GetTypeSpecification(MetadataTokens.TypeSpecificationHandle(row)).DecodeSignature(_shapes, null));

        foreach (TypeDefinitionHandle th in _md.TypeDefinitions)
        {
            TypeDefinition type = _md.GetTypeDefinition(th);
            string typeName = TypeShapes.Name(_md, th);
            Types++;
            if (type.GetGenericParameters().Count > 0) Violations.Add($"{typeName}: generic type");
            foreach (FieldDefinitionHandle fh in type.GetFields())
            {
                FieldDefinition field = _md.GetFieldDefinition(fh);
                Fields++;
                Shape shape = field.DecodeSignature(_shapes, null);
                Check($"{typeName}.{_md.GetString(field.Name)}", shape);
                if ((field.Attributes & FieldAttributes.HasFieldRVA) != 0)
                {
                    long bytes = RvaSize(shape);
                    StaticArrays++;
                    StaticArrayBytes += bytes;
                    LargestStaticArrayBytes = Math.Max(LargestStaticArrayBytes, bytes);
                }
            }
            foreach (MethodDefinitionHandle mh in type.GetMethods())
                CheckMethod(typeName, _md.GetMethodDefinition(mh));
        }
    }

    private void CheckMethod(string typeName, MethodDefinition method)
    {
        string where = $"{typeName}.{_md.GetString(method.Name)}";
        Methods++;
        if (method.GetGenericParameters().Count > 0) Violations.Add($"{where}: generic method");
        MethodSignature<Shape> sig = method.DecodeSignature(_shapes, null);
        Check(where + " return", sig.ReturnType);
        foreach (Shape p in sig.ParameterTypes)
        {
            Parameters++;
            Check(where + " parameter", p);
        }
        if (method.RelativeVirtualAddress == 0) return;
        MethodBodyBlock body = _pe.GetMethodBody(method.RelativeVirtualAddress);
        if (!body.LocalSignature.IsNil)
        {
            foreach (Shape local in _md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(_shapes, null))
            {
                Locals++;
                Check(where + " local", local);
            }
        }
        BlobReader il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            int offset = il.Offset;
            short value = il.ReadByte();
            if (value == 0xFE) value = unchecked((short)(0xFE00 | il.ReadByte()));
            if (!AllOpCodes.TryGetValue(value, out OpCode op)) throw new InvalidOperationException($"{where}: unknown opcode 0x{value:X4} at IL_{offset:X4}");
            Instructions++;
            if (ForbiddenOpCodes.Contains(value)) Violations.Add($"{where} IL_{offset:X4}: {op.Name}");
            if (value == OpCodes.Conv_U2.Value) CharConversions++;
            switch (op.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: il.Offset += 1; break;
                case OperandType.InlineVar: il.Offset += 2; break;
                case OperandType.InlineBrTarget or OperandType.InlineI or OperandType.InlineString or OperandType.ShortInlineR: il.Offset += 4; break;
                case OperandType.InlineI8 or OperandType.InlineR: il.Offset += 8; break;
                case OperandType.InlineSwitch: il.Offset += 4 * il.ReadInt32(); break;
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineType or OperandType.InlineTok or OperandType.InlineSig:
                    MemberOperands++;
                    CheckOperand($"{where} IL_{offset:X4} {op.Name}", MetadataTokens.EntityHandle(il.ReadInt32()));
                    break;
                default: throw new InvalidOperationException($"{where}: operand type {op.OperandType}");
            }
        }
    }

    private void CheckOperand(string where, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.MemberReference:
                MemberReference member = _md.GetMemberReference((MemberReferenceHandle)handle);
                string name = $"{where} {_md.GetString(member.Name)}";
                if (member.GetKind() == MemberReferenceKind.Method)
                {
                    MethodSignature<Shape> sig = member.DecodeMethodSignature(_shapes, null);
                    Check(name + " return", sig.ReturnType);
                    foreach (Shape p in sig.ParameterTypes) Check(name + " parameter", p);
                }
                else
                {
                    Check(name, member.DecodeFieldSignature(_shapes, null));
                }
                if (member.Parent.Kind == HandleKind.TypeSpecification)
                    Check(name + " declaring type", _md.GetTypeSpecification((TypeSpecificationHandle)member.Parent).DecodeSignature(_shapes, null));
                break;
            case HandleKind.MethodSpecification:
                Violations.Add($"{where}: generic method instantiation");
                break;
            case HandleKind.TypeSpecification:
                Check(where, _md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(_shapes, null));
                break;
            case HandleKind.TypeReference:
                Check(where, _shapes.GetTypeFromReference(_md, (TypeReferenceHandle)handle, 0));
                break;
            case HandleKind.StandaloneSignature:
                Violations.Add($"{where}: calli (function pointer call)");
                break;
            // Definitions in this assembly are checked where they are declared.
        }
    }

    private void Check(string where, Shape shape)
    {
        if (shape.Generic) Violations.Add($"{where}: generic type {shape.Name}");
        if (shape.Forbidden) Violations.Add($"{where}: type {shape.Name}");
    }

    /// <summary>Bytes of a field's RVA data: the explicit size of its &lt;PrivateImplementationDetails&gt; struct, or a primitive's size.</summary>
    private long RvaSize(Shape shape)
    {
        if (shape.Definition is TypeDefinitionHandle def)
        {
            TypeLayout layout = _md.GetTypeDefinition(def).GetLayout();
            if (layout.Size > 0) return layout.Size;
        }
        return shape.Name switch
        {
            "System.Boolean" or "System.SByte" => 1,
            "System.Int16" or "System.Char" => 2,
            "System.Int32" => 4,
            "System.Int64" => 8,
            _ => throw new InvalidOperationException($"static data field of unknown size: {shape.Name}"),
        };
    }
}

/// <summary>A decoded type: its name, whether it is or contains a forbidden type or a generic one, and its definition if local.</summary>
internal sealed record Shape(string Name, bool Forbidden, bool Generic, TypeDefinitionHandle? Definition = null);

/// <summary>Decodes signatures into <see cref="Shape"/>s.</summary>
internal sealed class TypeShapes : ISignatureTypeProvider<Shape, object?>
{
    /// <summary>Unsigned (char aside, see <see cref="NanoFrameworkIl"/>), floating-point and native-int types.</summary>
    public static readonly HashSet<string> Forbidden =
    [
        "System.Byte", "System.UInt16", "System.UInt32", "System.UInt64", "System.Single", "System.Double", "System.Decimal",
        "System.IntPtr", "System.UIntPtr", "System.Half",
    ];

    public static string Name(MetadataReader md, TypeReferenceHandle h)
    {
        TypeReference t = md.GetTypeReference(h);
        string ns = md.GetString(t.Namespace);
        string name = md.GetString(t.Name);
        if (t.ResolutionScope.Kind == HandleKind.TypeReference) return Name(md, (TypeReferenceHandle)t.ResolutionScope) + "+" + name;
        return ns.Length == 0 ? name : ns + "." + name;
    }

    public static string Name(MetadataReader md, TypeDefinitionHandle h)
    {
        TypeDefinition t = md.GetTypeDefinition(h);
        string ns = md.GetString(t.Namespace);
        string name = md.GetString(t.Name);
        if (t.IsNested) return Name(md, t.GetDeclaringType()) + "+" + name;
        return ns.Length == 0 ? name : ns + "." + name;
    }

    private static Shape Named(string name) => new(name, Forbidden.Contains(name), name.Contains('`'));

    public Shape GetPrimitiveType(PrimitiveTypeCode typeCode) => Named(typeCode switch
    {
        PrimitiveTypeCode.Boolean => "System.Boolean", PrimitiveTypeCode.Char => "System.Char", PrimitiveTypeCode.SByte => "System.SByte",
        PrimitiveTypeCode.Byte => "System.Byte", PrimitiveTypeCode.Int16 => "System.Int16", PrimitiveTypeCode.UInt16 => "System.UInt16",
        PrimitiveTypeCode.Int32 => "System.Int32", PrimitiveTypeCode.UInt32 => "System.UInt32", PrimitiveTypeCode.Int64 => "System.Int64",
        PrimitiveTypeCode.UInt64 => "System.UInt64", PrimitiveTypeCode.Single => "System.Single", PrimitiveTypeCode.Double => "System.Double",
        PrimitiveTypeCode.IntPtr => "System.IntPtr", PrimitiveTypeCode.UIntPtr => "System.UIntPtr", PrimitiveTypeCode.Object => "System.Object",
        PrimitiveTypeCode.String => "System.String", PrimitiveTypeCode.Void => "System.Void", PrimitiveTypeCode.TypedReference => "System.TypedReference",
        _ => typeCode.ToString(),
    });

    public Shape GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => Named(Name(reader, handle)) with { Definition = handle };

    public Shape GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => Named(Name(reader, handle));

    public Shape GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
        reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

    public Shape GetSZArrayType(Shape elementType) => elementType with { Name = elementType.Name + "[]", Definition = null };

    public Shape GetArrayType(Shape elementType, ArrayShape shape) => elementType with { Name = elementType.Name + "[" + new string(',', shape.Rank - 1) + "]", Forbidden = true, Definition = null };

    public Shape GetByReferenceType(Shape elementType) => elementType with { Name = elementType.Name + "&", Definition = null };

    public Shape GetPointerType(Shape elementType) => elementType with { Name = elementType.Name + "*", Forbidden = true, Definition = null };

    public Shape GetPinnedType(Shape elementType) => elementType with { Name = "pinned " + elementType.Name, Forbidden = true };

    public Shape GetGenericInstantiation(Shape genericType, ImmutableArray<Shape> typeArguments) =>
        new($"{genericType.Name}<{string.Join(", ", typeArguments.Select(a => a.Name))}>", genericType.Forbidden || typeArguments.Any(a => a.Forbidden), true);

    public Shape GetGenericTypeParameter(object? genericContext, int index) => new("!" + index, false, true);

    public Shape GetGenericMethodParameter(object? genericContext, int index) => new("!!" + index, false, true);

    public Shape GetFunctionPointerType(MethodSignature<Shape> signature) => new("method pointer", true, false);

    public Shape GetModifiedType(Shape modifier, Shape unmodifiedType, bool isRequired) => unmodifiedType;

    public Shape GetTypeFromSerializedName(string name) => Named(name);

    public PrimitiveTypeCode GetUnderlyingEnumType(Shape type) => PrimitiveTypeCode.Int32;

    public bool IsSystemType(Shape type) => type.Name == "System.Type";

    public Shape GetSystemType() => Named("System.Type");
}
