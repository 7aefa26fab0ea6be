using SmartTerminal.Device.Core.Protobuf;

namespace SmartTerminal.Device.Core.Messages
{
    /// <summary>
    /// Decodes and encodes <see cref="DevicePolicy"/> byte-compatibly with Google.Protobuf. Decoding
    /// makes two passes: the first counts the elements of every repeated field, the second fills arrays
    /// allocated once at their final size.
    /// </summary>
    public static class DevicePolicyCodec
    {
        private const int LastField = 24;
        private const int Varints = ProtoReader.VarintElements;
        private const int Messages = ProtoReader.MessageElements;
        private const int Scalar = RepeatedFields.NotRepeated;

        // Element size of each repeated field, indexed by field number.
        private static readonly int[] s_policySizes = new int[]
        {
            Scalar, Scalar, Scalar, Scalar, Scalar, Scalar,
            Varints,  // 6 daily_budget_minutes
            Messages, // 7 category_budgets
            Varints,  // 8 always_allowed
            Messages, // 9 allowed_windows
            Messages, // 10 class_windows
            4,        // 11 class_allowed_app_ids
            Scalar,
            Varints,  // 13 warning_minutes
            Messages, // 14 apps
            Scalar, Scalar, Scalar,
            4,        // 18 blocked_domain_hashes
            4,        // 19 allowed_domain_hashes
            Scalar, Scalar, Scalar,
            Messages, // 23 utc_offsets
            Scalar,
        };

        private static readonly int[] s_contactSizes = new int[]
        {
            Scalar, Scalar, Scalar, Scalar,
            Messages, // 4 contacts
            8,        // 5 emergency_number_hashes
        };

        /// <summary>Decodes a policy; on failure returns the error and a null policy.</summary>
        public static ProtoError TryDecode(byte[] buffer, int offset, int count, out DevicePolicy policy)
        {
            policy = null;
            ProtoReader reader = new ProtoReader(buffer, offset, count);
            DevicePolicy result = new DevicePolicy();
            if (!ReadPolicy(reader, result))
            {
                return reader.Error == ProtoError.None ? ProtoError.ValueOutOfRange : reader.Error;
            }

            if (!IsSorted(result.AppIds) || !IsSorted(result.ClassAllowedAppIds)
                || !IsSorted(result.BlockedDomainHashes) || !IsSorted(result.AllowedDomainHashes)
                || !IsSorted(result.UtcOffsetFromUnix)
                || (result.Contacts != null && (!IsSorted(result.Contacts.NumberHashes) || !IsSorted(result.Contacts.EmergencyNumberHashes))))
            {
                // Lookups are binary searches: an unsorted list would silently allow what it should block.
                return ProtoError.ValueOutOfRange;
            }

            policy = result;
            return ProtoError.None;
        }

        /// <summary>Encodes a policy in field-number order, omitting defaults, as Google.Protobuf does.</summary>
        public static void Encode(DevicePolicy policy, ProtoWriter writer)
        {
            writer.WriteUInt64(1, policy.Version);
            writer.WriteInt64(2, policy.IssuedAtUnix);
            writer.WriteInt64(3, policy.ValidUntilUnix);
            writer.WriteString(4, policy.ProfileId);
            writer.WriteUInt32(5, policy.AgeBand);
            writer.WritePackedUInt32(6, policy.DailyBudgetMinutes);
            if (policy.CategoryBudgets != null)
            {
                for (int i = 0; i < policy.CategoryBudgets.Length; i++)
                {
                    CategoryBudget budget = policy.CategoryBudgets[i];
                    int mark = writer.BeginNested(7);
                    writer.WriteInt32(1, budget.Category);
                    writer.WriteUInt32(2, budget.DailyMinutes);
                    writer.WriteBool(3, budget.Unlimited);
                    writer.WriteBool(4, budget.ExemptFromDailyTotal);
                    writer.EndNested(mark);
                }
            }

            writer.WritePackedInt32(8, policy.AlwaysAllowed);
            WriteWindows(writer, 9, policy.AllowedWindows);
            WriteWindows(writer, 10, policy.ClassWindows);
            writer.WritePackedFixed32(11, policy.ClassAllowedAppIds);
            if (policy.ContinuousUse != null)
            {
                ContinuousUseRule rule = policy.ContinuousUse;
                int mark = writer.BeginNested(12);
                writer.WriteUInt32(1, rule.LimitMinutes);
                writer.WriteUInt32(2, rule.RestMinutes);
                writer.WriteBool(3, rule.ForcedBreak);
                writer.WriteUInt32(4, rule.IdleTimeoutSeconds);
                writer.EndNested(mark);
            }

            writer.WritePackedUInt32(13, policy.WarningMinutes);
            int appCount = policy.AppIds == null ? 0 : policy.AppIds.Length;
            for (int i = 0; i < appCount; i++)
            {
                int mark = writer.BeginNested(14);
                writer.WriteFixed32(1, policy.AppIds[i]);
                writer.WriteInt32(2, policy.AppCategories[i]);
                writer.WriteUInt32(3, policy.AppAgeRatings[i]);
                writer.WriteInt32(4, policy.AppAccess[i]);
                writer.EndNested(mark);
            }

            writer.WriteUInt32(15, policy.MaxAgeRating);
            writer.WriteBool(16, policy.AllowUnlistedApps);
            writer.WriteInt32(17, policy.DomainMode);
            writer.WritePackedFixed32(18, policy.BlockedDomainHashes);
            writer.WritePackedFixed32(19, policy.AllowedDomainHashes);
            if (policy.Contacts != null)
            {
                WriteContacts(writer, policy.Contacts);
            }

            if (policy.Spending != null)
            {
                SpendingRule spending = policy.Spending;
                int mark = writer.BeginNested(21);
                writer.WriteUInt32(1, spending.PerTransactionCap);
                writer.WriteUInt32(2, spending.DailyCap);
                writer.WriteString(3, spending.Currency);
                writer.WriteBool(4, spending.PaymentsEnabled);
                writer.EndNested(mark);
            }

            if (policy.Permissions != null)
            {
                PermissionRule permissions = policy.Permissions;
                int mark = writer.BeginNested(22);
                writer.WriteBool(1, permissions.CameraAllowed);
                writer.WriteBool(2, permissions.MicrophoneAllowed);
                writer.WriteBool(3, permissions.LocationAllowed);
                writer.WriteBool(4, permissions.BlockWhileCharging);
                writer.EndNested(mark);
            }

            int offsetCount = policy.UtcOffsetFromUnix == null ? 0 : policy.UtcOffsetFromUnix.Length;
            for (int i = 0; i < offsetCount; i++)
            {
                int mark = writer.BeginNested(23);
                writer.WriteInt64(1, policy.UtcOffsetFromUnix[i]);
                writer.WriteSInt32(2, policy.UtcOffsetMinutes[i]);
                writer.EndNested(mark);
            }

            if (policy.OfflineCodes != null)
            {
                OfflineCodeRule codes = policy.OfflineCodes;
                int mark = writer.BeginNested(24);
                writer.WriteUInt32(1, codes.StepSeconds);
                writer.WriteUInt32(2, codes.WindowSteps);
                writer.WriteUInt32(3, codes.Digits);
                writer.WriteUInt32(4, codes.MaxExtraMinutes);
                writer.EndNested(mark);
            }
        }

        private static bool ReadPolicy(ProtoReader reader, DevicePolicy p)
        {
            int[] counts = new int[LastField + 1];
            if (!RepeatedFields.CountElements(reader, s_policySizes, counts))
            {
                return false;
            }

            p.DailyBudgetMinutes = new uint[counts[6]];
            p.CategoryBudgets = new CategoryBudget[counts[7]];
            p.AlwaysAllowed = new int[counts[8]];
            p.AllowedWindows = new TimeWindow[counts[9]];
            p.ClassWindows = new TimeWindow[counts[10]];
            p.ClassAllowedAppIds = new uint[counts[11]];
            p.WarningMinutes = new uint[counts[13]];
            p.AppIds = new uint[counts[14]];
            p.AppCategories = new byte[counts[14]];
            p.AppAgeRatings = new byte[counts[14]];
            p.AppAccess = new byte[counts[14]];
            p.BlockedDomainHashes = new uint[counts[18]];
            p.AllowedDomainHashes = new uint[counts[19]];
            p.UtcOffsetFromUnix = new long[counts[23]];
            p.UtcOffsetMinutes = new int[counts[23]];

            int daily = 0;
            int categories = 0;
            int alwaysAllowed = 0;
            int allowedWindows = 0;
            int classWindows = 0;
            int classApps = 0;
            int warnings = 0;
            int apps = 0;
            int blocked = 0;
            int allowed = 0;
            int offsets = 0;
            uint tag;
            while (reader.ReadTag(out tag))
            {
                switch (tag)
                {
                    case (1 << 3) | 0:
                        reader.ReadUInt64(out p.Version);
                        break;
                    case (2 << 3) | 0:
                        reader.ReadInt64(out p.IssuedAtUnix);
                        break;
                    case (3 << 3) | 0:
                        reader.ReadInt64(out p.ValidUntilUnix);
                        break;
                    case (4 << 3) | 2:
                        reader.ReadString(out p.ProfileId);
                        break;
                    case (5 << 3) | 0:
                        reader.ReadUInt32(out p.AgeBand);
                        break;
                    case (6 << 3) | 0:
                    case (6 << 3) | 2:
                        RepeatedFields.ReadUInt32(reader, tag, p.DailyBudgetMinutes, ref daily);
                        break;
                    case (7 << 3) | 2:
                        p.CategoryBudgets[categories++] = ReadCategoryBudget(reader);
                        break;
                    case (8 << 3) | 0:
                    case (8 << 3) | 2:
                        RepeatedFields.ReadInt32(reader, tag, p.AlwaysAllowed, ref alwaysAllowed);
                        break;
                    case (9 << 3) | 2:
                        p.AllowedWindows[allowedWindows++] = ReadWindow(reader);
                        break;
                    case (10 << 3) | 2:
                        p.ClassWindows[classWindows++] = ReadWindow(reader);
                        break;
                    case (11 << 3) | 5:
                    case (11 << 3) | 2:
                        RepeatedFields.ReadFixed32(reader, tag, p.ClassAllowedAppIds, ref classApps);
                        break;
                    case (12 << 3) | 2:
                        p.ContinuousUse = ReadContinuousUse(reader);
                        break;
                    case (13 << 3) | 0:
                    case (13 << 3) | 2:
                        RepeatedFields.ReadUInt32(reader, tag, p.WarningMinutes, ref warnings);
                        break;
                    case (14 << 3) | 2:
                        ReadApp(reader, p, apps++);
                        break;
                    case (15 << 3) | 0:
                        reader.ReadUInt32(out p.MaxAgeRating);
                        break;
                    case (16 << 3) | 0:
                        reader.ReadBool(out p.AllowUnlistedApps);
                        break;
                    case (17 << 3) | 0:
                        reader.ReadInt32(out p.DomainMode);
                        break;
                    case (18 << 3) | 5:
                    case (18 << 3) | 2:
                        RepeatedFields.ReadFixed32(reader, tag, p.BlockedDomainHashes, ref blocked);
                        break;
                    case (19 << 3) | 5:
                    case (19 << 3) | 2:
                        RepeatedFields.ReadFixed32(reader, tag, p.AllowedDomainHashes, ref allowed);
                        break;
                    case (20 << 3) | 2:
                        p.Contacts = ReadContacts(reader);
                        break;
                    case (21 << 3) | 2:
                        p.Spending = ReadSpending(reader);
                        break;
                    case (22 << 3) | 2:
                        p.Permissions = ReadPermissions(reader);
                        break;
                    case (23 << 3) | 2:
                        ReadUtcOffset(reader, p, offsets++);
                        break;
                    case (24 << 3) | 2:
                        p.OfflineCodes = ReadOfflineCodes(reader);
                        break;
                    default:
                        reader.SkipField(tag);
                        break;
                }
            }

            return reader.Error == ProtoError.None;
        }

        private static CategoryBudget ReadCategoryBudget(ProtoReader reader)
        {
            CategoryBudget budget = new CategoryBudget();
            int saved;
            if (!reader.BeginNested(out saved))
            {
                return budget;
            }

            uint tag;
            while (reader.ReadTag(out tag))
            {
                switch (tag)
                {
                    case (1 << 3) | 0:
                        reader.ReadInt32(out budget.Category);
                        break;
                    case (2 << 3) | 0:
                        reader.ReadUInt32(out budget.DailyMinutes);
                        break;
                    case (3 << 3) | 0:
                        reader.ReadBool(out budget.Unlimited);
                        break;
                    case (4 << 3) | 0:
                        reader.ReadBool(out budget.ExemptFromDailyTotal);
                        break;
                    default:
                        reader.SkipField(tag);
                        break;
                }
            }

            reader.EndNested(saved);
            return budget;
        }

        private static TimeWindow ReadWindow(ProtoReader reader)
        {
            TimeWindow window = new TimeWindow();
            int saved;
            if (!reader.BeginNested(out saved))
            {
                return window;
            }

            uint tag;
            while (reader.ReadTag(out tag))
            {
                switch (tag)
                {
                    case (1 << 3) | 0:
                        reader.ReadUInt32(out window.WeekdayMask);
                        break;
                    case (2 << 3) | 0:
                        reader.ReadUInt32(out window.StartMinute);
                        break;
                    case (3 << 3) | 0:
                        reader.ReadUInt32(out window.EndMinute);
                        break;
                    default:
                        reader.SkipField(tag);
                        break;
                }
            }

            reader.EndNested(saved);
            return window;
        }

        private static ContinuousUseRule ReadContinuousUse(ProtoReader reader)
        {
            ContinuousUseRule rule = new ContinuousUseRule();
            int saved;
            if (!reader.BeginNested(out saved))
            {
                return rule;
            }

            uint tag;
            while (reader.ReadTag(out tag))
            {
                switch (tag)
                {
                    case (1 << 3) | 0:
                        reader.ReadUInt32(out rule.LimitMinutes);
                        break;
                    case (2 << 3) | 0:
                        reader.ReadUInt32(out rule.RestMinutes);
                        break;
                    case (3 << 3) | 0:
                        reader.ReadBool(out rule.ForcedBreak);
                        break;
                    case (4 << 3) | 0:
                        reader.ReadUInt32(out rule.IdleTimeoutSeconds);
                        break;
                    default:
                        reader.SkipField(tag);
                        break;
                }
            }

            reader.EndNested(saved);
            return rule;
        }

        private static void ReadApp(ProtoReader reader, DevicePolicy p, int index)
        {
            int saved;
            if (!reader.BeginNested(out saved))
            {
                return;
            }

            uint id = 0;
            int category = 0;
            uint rating = 0;
            int access = 0;
            uint tag;
            while (reader.ReadTag(out tag))
            {
                switch (tag)
                {
                    case (1 << 3) | 5:
                        reader.ReadFixed32(out id);
                        break;
                    case (2 << 3) | 0:
                        reader.ReadInt32(out category);
                        break;
                    case (3 << 3) | 0:
                        reader.ReadUInt32(out rating);
                        break;
                    case (4 << 3) | 0:
                        reader.ReadInt32(out access);
                        break;
                    default:
                        reader.SkipField(tag);
                        break;
                }
            }

            // Apps are stored one byte per attribute; larger values cannot be meant.
            if ((uint)category > 255 || rating > 255 || (uint)access > 255)
            {
                reader.Fail(ProtoError.ValueOutOfRange);
                return;
            }

            p.AppIds[index] = id;
            p.AppCategories[index] = (byte)category;
            p.AppAgeRatings[index] = (byte)rating;
            p.AppAccess[index] = (byte)access;
            reader.EndNested(saved);
        }

        private static ContactPolicy ReadContacts(ProtoReader reader)
        {
            ContactPolicy contacts = new ContactPolicy();
            int saved;
            if (!reader.BeginNested(out saved))
            {
                return contacts;
            }

            int[] counts = new int[6];
            if (!RepeatedFields.CountElements(reader, s_contactSizes, counts))
            {
                return contacts;
            }

            contacts.NumberHashes = new ulong[counts[4]];
            contacts.Roles = new byte[counts[4]];
            contacts.MediaAllowed = new bool[counts[4]];
            contacts.EmergencyNumberHashes = new ulong[counts[5]];
            int contactIndex = 0;
            int emergencyIndex = 0;
            uint tag;
            while (reader.ReadTag(out tag))
            {
                switch (tag)
                {
                    case (1 << 3) | 0:
                        reader.ReadInt32(out contacts.Mode);
                        break;
                    case (2 << 3) | 0:
                        reader.ReadBool(out contacts.StrangerMessagesAllowed);
                        break;
                    case (3 << 3) | 0:
                        reader.ReadInt32(out contacts.MediaMode);
                        break;
                    case (4 << 3) | 2:
                        ReadContact(reader, contacts, contactIndex++);
                        break;
                    case (5 << 3) | 1:
                    case (5 << 3) | 2:
                        RepeatedFields.ReadFixed64(reader, tag, contacts.EmergencyNumberHashes, ref emergencyIndex);
                        break;
                    default:
                        reader.SkipField(tag);
                        break;
                }
            }

            reader.EndNested(saved);
            return contacts;
        }

        private static void ReadContact(ProtoReader reader, ContactPolicy contacts, int index)
        {
            int saved;
            if (!reader.BeginNested(out saved))
            {
                return;
            }

            ulong hash = 0;
            int role = 0;
            bool media = false;
            uint tag;
            while (reader.ReadTag(out tag))
            {
                switch (tag)
                {
                    case (1 << 3) | 1:
                        reader.ReadFixed64(out hash);
                        break;
                    case (2 << 3) | 0:
                        reader.ReadInt32(out role);
                        break;
                    case (3 << 3) | 0:
                        reader.ReadBool(out media);
                        break;
                    default:
                        reader.SkipField(tag);
                        break;
                }
            }

            if ((uint)role > 255)
            {
                reader.Fail(ProtoError.ValueOutOfRange);
                return;
            }

            contacts.NumberHashes[index] = hash;
            contacts.Roles[index] = (byte)role;
            contacts.MediaAllowed[index] = media;
            reader.EndNested(saved);
        }

        private static SpendingRule ReadSpending(ProtoReader reader)
        {
            SpendingRule spending = new SpendingRule();
            int saved;
            if (!reader.BeginNested(out saved))
            {
                return spending;
            }

            uint tag;
            while (reader.ReadTag(out tag))
            {
                switch (tag)
                {
                    case (1 << 3) | 0:
                        reader.ReadUInt32(out spending.PerTransactionCap);
                        break;
                    case (2 << 3) | 0:
                        reader.ReadUInt32(out spending.DailyCap);
                        break;
                    case (3 << 3) | 2:
                        reader.ReadString(out spending.Currency);
                        break;
                    case (4 << 3) | 0:
                        reader.ReadBool(out spending.PaymentsEnabled);
                        break;
                    default:
                        reader.SkipField(tag);
                        break;
                }
            }

            reader.EndNested(saved);
            return spending;
        }

        private static PermissionRule ReadPermissions(ProtoReader reader)
        {
            PermissionRule permissions = new PermissionRule();
            int saved;
            if (!reader.BeginNested(out saved))
            {
                return permissions;
            }

            uint tag;
            while (reader.ReadTag(out tag))
            {
                switch (tag)
                {
                    case (1 << 3) | 0:
                        reader.ReadBool(out permissions.CameraAllowed);
                        break;
                    case (2 << 3) | 0:
                        reader.ReadBool(out permissions.MicrophoneAllowed);
                        break;
                    case (3 << 3) | 0:
                        reader.ReadBool(out permissions.LocationAllowed);
                        break;
                    case (4 << 3) | 0:
                        reader.ReadBool(out permissions.BlockWhileCharging);
                        break;
                    default:
                        reader.SkipField(tag);
                        break;
                }
            }

            reader.EndNested(saved);
            return permissions;
        }

        private static void ReadUtcOffset(ProtoReader reader, DevicePolicy p, int index)
        {
            int saved;
            if (!reader.BeginNested(out saved))
            {
                return;
            }

            uint tag;
            while (reader.ReadTag(out tag))
            {
                switch (tag)
                {
                    case (1 << 3) | 0:
                        reader.ReadInt64(out p.UtcOffsetFromUnix[index]);
                        break;
                    case (2 << 3) | 0:
                        reader.ReadSInt32(out p.UtcOffsetMinutes[index]);
                        break;
                    default:
                        reader.SkipField(tag);
                        break;
                }
            }

            reader.EndNested(saved);
        }

        private static OfflineCodeRule ReadOfflineCodes(ProtoReader reader)
        {
            OfflineCodeRule codes = new OfflineCodeRule();
            int saved;
            if (!reader.BeginNested(out saved))
            {
                return codes;
            }

            uint tag;
            while (reader.ReadTag(out tag))
            {
                switch (tag)
                {
                    case (1 << 3) | 0:
                        reader.ReadUInt32(out codes.StepSeconds);
                        break;
                    case (2 << 3) | 0:
                        reader.ReadUInt32(out codes.WindowSteps);
                        break;
                    case (3 << 3) | 0:
                        reader.ReadUInt32(out codes.Digits);
                        break;
                    case (4 << 3) | 0:
                        reader.ReadUInt32(out codes.MaxExtraMinutes);
                        break;
                    default:
                        reader.SkipField(tag);
                        break;
                }
            }

            reader.EndNested(saved);
            return codes;
        }

        private static void WriteWindows(ProtoWriter writer, int field, TimeWindow[] windows)
        {
            if (windows == null)
            {
                return;
            }

            for (int i = 0; i < windows.Length; i++)
            {
                int mark = writer.BeginNested(field);
                writer.WriteUInt32(1, windows[i].WeekdayMask);
                writer.WriteUInt32(2, windows[i].StartMinute);
                writer.WriteUInt32(3, windows[i].EndMinute);
                writer.EndNested(mark);
            }
        }

        private static void WriteContacts(ProtoWriter writer, ContactPolicy contacts)
        {
            int mark = writer.BeginNested(20);
            writer.WriteInt32(1, contacts.Mode);
            writer.WriteBool(2, contacts.StrangerMessagesAllowed);
            writer.WriteInt32(3, contacts.MediaMode);
            int count = contacts.NumberHashes == null ? 0 : contacts.NumberHashes.Length;
            for (int i = 0; i < count; i++)
            {
                int contactMark = writer.BeginNested(4);
                writer.WriteFixed64(1, contacts.NumberHashes[i]);
                writer.WriteInt32(2, contacts.Roles[i]);
                writer.WriteBool(3, contacts.MediaAllowed[i]);
                writer.EndNested(contactMark);
            }

            writer.WritePackedFixed64(5, contacts.EmergencyNumberHashes);
            writer.EndNested(mark);
        }

        private static bool IsSorted(uint[] values)
        {
            for (int i = 1; i < values.Length; i++)
            {
                if (values[i] < values[i - 1])
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsSorted(ulong[] values)
        {
            for (int i = 1; i < values.Length; i++)
            {
                if (values[i] < values[i - 1])
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsSorted(long[] values)
        {
            for (int i = 1; i < values.Length; i++)
            {
                if (values[i] < values[i - 1])
                {
                    return false;
                }
            }

            return true;
        }
    }
}
